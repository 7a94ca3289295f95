import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { agentAuth, createEnrolmentToken, deb, enroll, identity, inventoryOf, uploadInventory } from '../../support/hosts.js';
import { openRuntime, type Runtime } from '../../../src/runtime/runtime.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';

// A server that was down cannot hear heartbeats. A scan that was waiting for an agent when every
// server stopped must give the agent one offline window after the restart to reconnect, instead of
// failing the host at once because its last heartbeat is older than the window.
for (const backend of backends) {
  describe(`host scans across a server restart (${backend})`, () => {
    let t: TestApp;
    let restarted: Runtime;
    let pid: string;
    let agent: EnrollResponse;
    const offlineMs = 90_000;

    const poll = async () => {
      const res = await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: agentAuth(agent) });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { commands: Array<{ id: string; type: string }> }).commands;
    };
    const startScan = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v5/${pid}/vulnerability/scan-task`,
        headers: { 'x-auth-token': t.token },
        payload: { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [agent.agent_id] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const taskId = (res.json() as { task_id: string }).task_id;
      await t.runtime.services.vulScans.runTask(taskId);
      return taskId;
    };
    const hostOutcome = async (taskId: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${pid}/vulnerability/scan-task/${taskId}/hosts`, headers: { 'x-auth-token': t.token } });
      return (res.json() as { data_list: Array<{ scan_status: string; failed_reasons?: unknown }> }).data_list[0]!;
    };

    before(async () => {
      t = await createTestApp(backend, { hosts: { offlineAfterSeconds: offlineMs / 1000 } });
      pid = t.account.project.id;
      agent = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('web-1'));
      assert.equal((await uploadInventory(t.app, agent, inventoryOf([deb('curl', '7.88.1-10+deb12u3')]))).statusCode, 200);
    });
    after(async () => {
      await restarted?.close();
      await t.close();
    });

    it('a host waiting for its agent when the server died is not failed for the downtime; it succeeds once the agent is back', async () => {
      t.clock.advance(3_600_000); // the stored inventory is now stale: the scan asks the agent for a fresh one
      await poll();
      const taskId = await startScan();
      assert.equal((await hostOutcome(taskId)).scan_status, 'scanning');

      // Every server is down for ten minutes; the agent cannot reach any.
      t.clock.advance(600_000);
      restarted = await openRuntime(t.config, { now: t.clock.now });
      await restarted.services.vulScans.monitor();
      assert.equal((await hostOutcome(taskId)).scan_status, 'scanning', 'the downtime is not held against the agent');

      // The agent reconnects, gets the command and answers it.
      t.clock.advance(5_000);
      const [command] = await poll();
      assert.equal(command?.type, 'collect_inventory');
      assert.equal((await uploadInventory(t.app, agent, inventoryOf([deb('curl', '7.88.1-10+deb12u3')], undefined, { command_id: command!.id }))).statusCode, 200);
      await restarted.services.vulScans.monitor();
      assert.equal((await hostOutcome(taskId)).scan_status, 'success');
    });

    it('an agent that does not come back within one offline window after the restart fails its host', async () => {
      t.clock.advance(3_600_000);
      await poll();
      const taskId = await startScan();
      t.clock.advance(600_000);
      await restarted.close();
      restarted = await openRuntime(t.config, { now: t.clock.now });
      t.clock.advance(offlineMs - 1_000);
      await restarted.services.vulScans.monitor();
      assert.equal((await hostOutcome(taskId)).scan_status, 'scanning', 'still inside the window');
      t.clock.advance(2_000);
      await restarted.services.vulScans.monitor();
      const outcome = await hostOutcome(taskId);
      assert.equal(outcome.scan_status, 'failed');
      assert.match(JSON.stringify(outcome.failed_reasons), /went offline during the scan/);
    });
  });
}
