/// <reference lib="dom" />
// The chips beside the selection line: the time range and the operator the views are narrowed to, each a button
// that clears it. Escape with nothing focused clears the range too.
import { formatMeasuredTime, formatTime } from './format';
import { el, onChange, selection, setOperator, setRange, sinceStart } from './state';

const ui = {
  range: el<HTMLButtonElement>('range-chip'),
  operator: el<HTMLButtonElement>('operator-chip'),
};

function chip(button: HTMLButtonElement, label: string): void {
  button.textContent = '';
  const text = document.createElement('span');
  text.textContent = label;
  const x = document.createElement('span');
  x.className = 'chip-x';
  x.setAttribute('aria-hidden', 'true');
  x.textContent = '×';
  button.append(text, x);
}

export function renderChips(): void {
  const r = selection.range;
  ui.range.hidden = !r;
  if (r) {
    const from = formatTime(sinceStart(r.start));
    const to = formatTime(sinceStart(r.end));
    chip(ui.range, `range: ${from} – ${to} (${formatMeasuredTime(r.end - r.start)})`);
    // The exact range on the profile's clock, for whoever needs more than the rounded text (the host tests).
    ui.range.dataset.start = String(r.start);
    ui.range.dataset.end = String(r.end);
    ui.range.title =
      'Every view shows only this time range. Click (or Escape on the timeline) to show the whole profile.';
    ui.range.setAttribute('aria-label', `Time range ${from} to ${to}: clear it`);
  }
  const op = selection.operator;
  ui.operator.hidden = !op;
  if (op) {
    chip(ui.operator, `operator: ${op.name} (${op.nodeId})`);
    ui.operator.dataset.node = op.nodeId;
    ui.operator.title = `The views show only samples taken inside ${op.name}'s evaluations. Click to show all samples.`;
    ui.operator.setAttribute('aria-label', `Operator ${op.name} ${op.nodeId}: clear it`);
  }
}

ui.range.addEventListener('click', () => setRange(undefined));
ui.operator.addEventListener('click', () => setOperator(undefined));
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || e.defaultPrevented || !selection.range) return;
  const focused = document.activeElement;
  if (focused && focused !== document.body && focused !== ui.range) return;
  e.preventDefault();
  setRange(undefined);
});

onChange((change) => {
  if (change === 'range' || change === 'operator') renderChips();
});
