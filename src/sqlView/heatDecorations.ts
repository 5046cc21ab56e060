// The look of CPU in SQL: one decoration type per heat level — a gutter mark (bars like a signal meter, so the level
// reads without colour), a mark in the overview ruler and a faint line background. Ruler and background colours are
// theme colours the extension contributes (feldera.sqlHeat.*), so themes and users can change them.
import vscode = require('vscode');
import type { HeatLevel, HeatRange } from '../sql/heat';

export const LEVELS: readonly HeatLevel[] = [1, 2, 3, 4];

/** Fill of the lit bars, per level, for light and dark themes (SVG images cannot use theme colours). */
const BAR_COLOURS = {
  light: ['#b58a00', '#c65d00', '#c4262e', '#a3001b'],
  dark: ['#d9a521', '#ff8c1a', '#ff5c33', '#ff3348'],
};

/** A 16×16 gutter image: four bars, the first `level` of them lit. */
export function gutterSvg(level: HeatLevel, theme: 'light' | 'dark'): string {
  const lit = BAR_COLOURS[theme][level - 1];
  const off = theme === 'light' ? '#00000026' : '#ffffff2e';
  const bars = [0, 1, 2, 3]
    .map((i) => {
      const h = 4 + 3 * i;
      return `<rect x="${2 + 3.5 * i}" y="${14 - h}" width="2.5" height="${h}" rx="0.5" fill="${i < level ? lit : off}"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">${bars}</svg>`;
}

function svgUri(svg: string): vscode.Uri {
  return vscode.Uri.parse(`data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`);
}

/** The decoration options of one level (the bench builds these too). */
export function levelDecoration(level: HeatLevel): vscode.DecorationRenderOptions {
  return {
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor(`feldera.sqlHeat.level${level}Background`),
    overviewRulerColor: new vscode.ThemeColor(`feldera.sqlHeat.level${level}Ruler`),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    light: { gutterIconPath: svgUri(gutterSvg(level, 'light')), gutterIconSize: 'contain' },
    dark: { gutterIconPath: svgUri(gutterSvg(level, 'dark')), gutterIconSize: 'contain' },
  };
}

/** Ranges per level, as an editor takes them (lines are 1-based in the heat, 0-based in VS Code). */
export function rangesByLevel(ranges: readonly HeatRange[]): Map<HeatLevel, vscode.Range[]> {
  const out = new Map<HeatLevel, vscode.Range[]>(LEVELS.map((l) => [l, []]));
  for (const r of ranges) out.get(r.level)!.push(new vscode.Range(r.startLine - 1, 0, r.endLine - 1, 0));
  return out;
}

export class HeatDecorations implements vscode.Disposable {
  private readonly types = new Map<HeatLevel, vscode.TextEditorDecorationType>(
    LEVELS.map((l) => [l, vscode.window.createTextEditorDecorationType(levelDecoration(l))]),
  );

  apply(editor: vscode.TextEditor, byLevel: Map<HeatLevel, vscode.Range[]>): void {
    for (const [level, type] of this.types) editor.setDecorations(type, byLevel.get(level) ?? []);
  }

  clear(editor: vscode.TextEditor): void {
    for (const type of this.types.values()) editor.setDecorations(type, []);
  }

  dispose(): void {
    for (const type of this.types.values()) type.dispose();
    this.types.clear();
  }
}
