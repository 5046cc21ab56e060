import assert from 'assert';
import {
  isProfilable,
  pipelineContextValue,
  pipelineTooltipMarkdown,
  presentStatus,
} from '../../../src/pipelines/status';
import type { PipelineInfo } from '../../../src/feldera/types';

const p = (over: Partial<PipelineInfo>): PipelineInfo => ({
  name: 'orders',
  program_status: 'Success',
  deployment_status: 'Running',
  deployment_desired_status: 'Running',
  ...over,
});

describe('pipeline status presentation', () => {
  it('marks exactly the interactive statuses profilable (as the web console does)', () => {
    const all = [
      'Stopped',
      'Provisioning',
      'Unavailable',
      'Coordination',
      'Standby',
      'AwaitingApproval',
      'Initializing',
      'Bootstrapping',
      'ConcurrentBootstrapping',
      'Synchronizing',
      'Replaying',
      'Paused',
      'Running',
      'Suspended',
      'Stopping',
    ];
    const profilable = all.filter((s) => isProfilable(p({ deployment_status: s })));
    assert.deepStrictEqual(profilable.sort(), ['ConcurrentBootstrapping', 'Paused', 'Running', 'Synchronizing']);
  });

  it('builds the contract context value: pipeline, profilable, multihost', () => {
    assert.strictEqual(pipelineContextValue(p({})), 'pipeline profilable');
    assert.strictEqual(pipelineContextValue(p({}), 1), 'pipeline profilable');
    assert.strictEqual(pipelineContextValue(p({}), 3), 'pipeline profilable multihost');
    assert.strictEqual(pipelineContextValue(p({ deployment_status: 'Stopped' }), 3), 'pipeline multihost');
    assert.strictEqual(pipelineContextValue(p({ deployment_status: 'Stopped' })), 'pipeline');
  });

  it('gives each kind of status its own icon, colour and spin', () => {
    assert.deepStrictEqual(pick(presentStatus(p({}))), ['running', 'pass-filled', false]);
    assert.deepStrictEqual(pick(presentStatus(p({ deployment_status: 'Paused' }))), ['paused', 'debug-pause', false]);
    assert.deepStrictEqual(
      pick(presentStatus(p({ deployment_status: 'Stopped', deployment_desired_status: 'Stopped' }))),
      ['stopped', 'circle-large-outline', false],
    );
    assert.deepStrictEqual(pick(presentStatus(p({ deployment_status: 'Stopped', program_status: 'CompilingRust' }))), [
      'compiling',
      'sync~spin',
      true,
    ]);
    assert.deepStrictEqual(pick(presentStatus(p({ deployment_status: 'Stopped', program_status: 'SqlError' }))), [
      'failed',
      'error',
      false,
    ]);
    assert.deepStrictEqual(pick(presentStatus(p({ deployment_status: 'Initializing' }))), [
      'transitional',
      'loading~spin',
      true,
    ]);
    assert.strictEqual(presentStatus(p({ deployment_status: 'Initializing' })).description, 'Initializing → Running');
    assert.strictEqual(
      presentStatus(p({ deployment_status: 'Initializing', deployment_desired_status: 'Initializing' })).description,
      'Initializing',
    );
    assert.strictEqual(
      presentStatus(p({ deployment_status: 'Stopped', deployment_desired_status: 'Running' })).description,
      'Stopped → Running',
    );
  });

  it('puts program, deployment and desired status, the error and the host count in the tooltip', () => {
    const md = pipelineTooltipMarkdown(
      p({
        deployment_status: 'Stopped',
        deployment_desired_status: 'Stopped',
        deployment_error: { message: 'worker crashed', error_code: 'RuntimeError' },
        deployment_status_since: '2026-01-01T00:00:00Z',
      }),
      3,
      new Date('2026-01-01T00:05:00Z'),
    );
    for (const want of [
      'Program status: Success',
      'Deployment status: Stopped',
      'Desired status: Stopped',
      'Hosts: 3',
      'worker crashed',
      '5 min',
    ])
      assert.ok(md.includes(want), `tooltip lacks "${want}":\n${md}`);
  });
});

function pick(s: ReturnType<typeof presentStatus>): [string, string, boolean] {
  return [s.group, s.icon, s.spin];
}
