// How a pipeline's status looks in the tree: icon, colour, description, tooltip and contextValue.
// No vscode import, so it is unit-tested in plain Node; the tree turns these into ThemeIcons.
import { escapeMarkdown as esc, formatDuration } from '../common/text';
import type { PipelineInfo } from '../feldera/types';

/** Statuses in which Feldera's web console allows profiling (the pipeline can be interacted with). */
export const INTERACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'Running',
  'Paused',
  'ConcurrentBootstrapping',
  'Synchronizing',
]);

const TRANSITIONAL = new Set([
  'Provisioning',
  'Coordination',
  'Initializing',
  'Bootstrapping',
  'ConcurrentBootstrapping',
  'Synchronizing',
  'Replaying',
  'Stopping',
  'AwaitingApproval',
]);

const PROGRAM_COMPILING = new Set(['Pending', 'CompilingSql', 'SqlCompiled', 'CompilingRust']);
const PROGRAM_FAILED: Record<string, string> = {
  SqlError: 'SQL error',
  RustError: 'Rust compiler error',
  SystemError: 'system error',
};

export interface StatusPresentation {
  /** Codicon id, e.g. `pass-filled`. */
  icon: string;
  /** Theme colour id, e.g. `testing.iconPassed`. */
  color?: string;
  spin: boolean;
  description: string;
  profilable: boolean;
  /** Coarse group, handy for sorting and tests. */
  group: 'running' | 'paused' | 'stopped' | 'compiling' | 'failed' | 'transitional' | 'unavailable' | 'unknown';
}

export function isProfilable(info: PipelineInfo): boolean {
  return INTERACTIVE_STATUSES.has(info.deployment_status ?? '');
}

export function presentStatus(info: PipelineInfo): StatusPresentation {
  const status = info.deployment_status ?? 'Unknown';
  const desired = info.deployment_desired_status;
  const program = info.program_status ?? '';
  const profilable = isProfilable(info);
  const arrow = desired && desired !== status && status !== 'Unknown' ? ` → ${desired}` : '';

  if (PROGRAM_FAILED[program]) {
    return {
      icon: 'error',
      color: 'testing.iconFailed',
      spin: false,
      description: `Program: ${PROGRAM_FAILED[program]}`,
      profilable,
      group: 'failed',
    };
  }
  if (status === 'Stopped' && info.deployment_error) {
    return {
      icon: 'error',
      color: 'testing.iconFailed',
      spin: false,
      description: `Stopped (error)${arrow}`,
      profilable,
      group: 'failed',
    };
  }
  if (PROGRAM_COMPILING.has(program) && status === 'Stopped') {
    const what =
      program === 'CompilingRust' ? 'Compiling Rust' : program === 'Pending' ? 'Queued to compile' : 'Compiling SQL';
    return { icon: 'sync~spin', color: 'charts.blue', spin: true, description: what, profilable, group: 'compiling' };
  }
  switch (status) {
    case 'Running':
      return {
        icon: 'pass-filled',
        color: 'testing.iconPassed',
        spin: false,
        description: `Running${arrow}`,
        profilable,
        group: 'running',
      };
    case 'Paused':
      return {
        icon: 'debug-pause',
        color: 'charts.yellow',
        spin: false,
        description: `Paused${arrow}`,
        profilable,
        group: 'paused',
      };
    case 'Stopped':
      return {
        icon: 'circle-large-outline',
        color: 'disabledForeground',
        spin: false,
        description: `Stopped${arrow}`,
        profilable,
        group: 'stopped',
      };
    case 'Suspended':
    case 'Standby':
      return {
        icon: 'debug-stackframe-dot',
        color: 'disabledForeground',
        spin: false,
        description: `${status}${arrow}`,
        profilable,
        group: 'stopped',
      };
    case 'Unavailable':
      return {
        icon: 'warning',
        color: 'list.warningForeground',
        spin: false,
        description: `Unavailable${arrow}`,
        profilable,
        group: 'unavailable',
      };
    default:
      if (TRANSITIONAL.has(status)) {
        return {
          icon: 'loading~spin',
          color: 'charts.blue',
          spin: true,
          description: `${splitWords(status)}${arrow}`,
          profilable,
          group: 'transitional',
        };
      }
      return { icon: 'question', spin: false, description: status, profilable, group: 'unknown' };
  }
}

/** `pipeline`, plus `profilable` when interactive, plus `multihost` when more than one host is known. */
export function pipelineContextValue(info: PipelineInfo, hosts?: number): string {
  const parts = ['pipeline'];
  if (isProfilable(info)) parts.push('profilable');
  if (hosts !== undefined && hosts > 1) parts.push('multihost');
  return parts.join(' ');
}

export function pipelineTooltipMarkdown(info: PipelineInfo, hosts: number | undefined, now: Date = new Date()): string {
  const lines = [`**${esc(info.name)}**`, ''];
  if (info.description) lines.push(esc(info.description), '');
  const row = (k: string, v: string | undefined | null) => v && lines.push(`- ${k}: ${esc(v)}`);
  row('Program status', info.program_status);
  row('Deployment status', info.deployment_status);
  row('Desired status', info.deployment_desired_status);
  row('Runtime status', info.deployment_runtime_status ?? undefined);
  if (hosts !== undefined) row('Hosts', String(hosts));
  const since = info.deployment_status_since ? Date.parse(info.deployment_status_since) : NaN;
  if (!Number.isNaN(since)) row('In this status for', formatDuration(now.getTime() - since));
  if (info.deployment_error) {
    const e = info.deployment_error;
    lines.push(
      '',
      `**Deployment error**${e.error_code ? ` (${esc(e.error_code)})` : ''}: ${esc(e.message ?? 'no message')}`,
    );
  }
  return lines.join('\n');
}

function splitWords(s: string): string {
  return s.replace(/([a-z])([A-Z])/g, '$1 $2');
}
