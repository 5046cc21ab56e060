// What a pipeline's deployment status allows, decided once: the tree's "profilable", the pipeline pick's order, and
// whether the SQL context asks for the circuit profile all follow it. No vscode import.

/**
 * Deployment statuses in which the pipeline answers interactive requests (samply, the circuit profile): those in
 * which Feldera's web console allows profiling. Any other status answers 503 (or 410).
 */
export const INTERACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'Running',
  'Paused',
  'ConcurrentBootstrapping',
  'Synchronizing',
]);

/** Whether a pipeline in this deployment status can be profiled (and give its circuit profile). */
export function isInteractive(deploymentStatus: unknown): boolean {
  return typeof deploymentStatus === 'string' && INTERACTIVE_STATUSES.has(deploymentStatus);
}
