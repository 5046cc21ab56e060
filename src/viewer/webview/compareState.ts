/// <reference lib="dom" />
// What the comparison editor's sections share: the VS Code API handle, the state kept while the webview is hidden,
// element lookup and the formatting of shares and changes.
import type { CompareWebviewMessage } from '../compareMessages';
import { formatPercent } from './format';

interface VsCodeApi {
  postMessage(message: CompareWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface SavedState {
  filter?: string;
  sort?: 'dSelf' | 'dTotal' | 'name';
  search?: Record<string, string>;
  zoom?: Record<string, number[]>;
}

const api = acquireVsCodeApi();
export const saved: SavedState = (api.getState() as SavedState | undefined) ?? {};

export function save(patch: Partial<SavedState>): void {
  Object.assign(saved, patch);
  api.setState(saved);
}

export function post(m: CompareWebviewMessage): void {
  api.postMessage(m);
}

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
}

/** A share (0..1) as a percentage; an absent one (0) as a dash. */
export function formatShare(share: number): string {
  return share === 0 ? '—' : formatPercent(share, 1);
}

/** A change in percentage points, signed: +10.0, −3.2, 0.0. */
export function formatPoints(points: number): string {
  const size = Math.abs(points);
  const sign = points > 0 ? '+' : points < 0 ? '−' : '';
  return `${sign}${size > 0 && size < 0.05 ? '<0.1' : size.toFixed(1)}`;
}

export function td(text: string, className = ''): HTMLTableCellElement {
  const cell = document.createElement('td');
  if (className) cell.className = className;
  cell.textContent = text;
  return cell;
}
