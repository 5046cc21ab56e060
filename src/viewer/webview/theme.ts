/// <reference lib="dom" />
// The VS Code theme's colours and font for canvas drawing, read from the CSS variables VS Code sets on the body.
// Call `onThemeChange` to redraw when the user switches themes (VS Code changes the body's class and style then).

export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The font canvases use: the editor's size (px only, else 12px) in the workbench's font family. */
export function canvasFont(): string {
  const size = cssVar('--vscode-editor-font-size', '12px');
  return `${/^\d+(\.\d+)?px$/.test(size) ? size : '12px'} ${cssVar('--vscode-font-family', 'sans-serif')}`;
}

export function onThemeChange(fn: () => void): void {
  new MutationObserver(fn).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}
