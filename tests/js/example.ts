// A typed use of @fleet-canary/core: tests/js/types.test.js type-checks it with `tsc --strict`
// (imported from the built package), so the declarations are proven to describe a real workflow.
import * as core from '../../core/pkg/canary_core';
import type { AgentStep, Change, ExecReport, FleetStep, LiveState, Plan, Progress } from '../../core/pkg/canary_core';

const conn: core.Connection = { baseUrl: 'http://127.0.0.1:8283' };
const yaml = 'agents: []';
const files: Record<string, string> = {};

function stepLine(s: FleetStep | AgentStep): string {
  switch (s.op) {
    case 'createBlock': return 'spec' in s ? `block ${s.spec.label} copy of ${s.copyPrefix ?? 'none'}` : `own block ${s.label} (${s.limit})`;
    case 'create': return `create ${s.name} on ${s.model} with ${s.contextWindow} tokens, ${s.memoryBlocks.length} block(s)`;
    case 'patch': return `patch ${s.llm ? s.llm[0] : 'same model'}`;
    case 'syncFolder': return `sync ${s.name}: ${s.delete.map((f) => f.name).join(', ')}`;
    case 'attach': case 'detach': return `${s.op} ${s.kind} ${s.target.name} ${s.target.id ?? '(new)'}`;
    default: return s.op;
  }
}

function changeLine(c: Change): string {
  if (c.diff?.kind === 'lines') return c.diff.spans.map((s) => (s === null ? '…' : `${s.tag}:${s.text}`)).join('\n');
  if (c.diff?.kind === 'words') return c.diff.spans.map((s) => s.text).join('');
  return `${c.field}: ${c.old ?? '∅'} -> ${c.new ?? '∅'}`;
}

function review(plan: Plan): string[] {
  const out = plan.fleetSteps.map(stepLine);
  for (const a of plan.agents) {
    out.push(`${a.productionName} as ${a.name}: ${a.action}`, ...a.changes.map(changeLine), ...a.steps.map(stepLine));
    for (const [field, value] of a.unchanged) out.push(`${field}=${value}`);
  }
  for (const i of plan.productionImpact) out.push(`${i.kind} ${i.name} used by ${i.usedBy.join(', ')}: ${i.accepted}`);
  for (const d of plan.cleanup?.deletions ?? []) out.push(`delete ${d.kind} ${d.name} with ${d.withAgent ?? 'the rest'}`);
  out.push(`${plan.summary.create} create, ${plan.summary.fleetSteps} fleet step(s), ${plan.fingerprint}`);
  return out;
}

function failedAgents(r: ExecReport): string[] {
  const deletions = r.cleanup?.status === 'ran' ? r.cleanup.deletions : [];
  return r.agents.filter((a) => a.error !== null).map((a) => `${a.productionName}: ${a.error}`)
    .concat(deletions.map((d) => (d.outcome.status === 'failed' ? `${d.kind} ${d.name}: ${d.outcome.reason}` : d.outcome.status)))
    .concat(r.cleanup?.status === 'skipped' ? [r.cleanup.reason] : []);
}

function models(live: LiveState): string[] {
  return live.agents.map((a) => `${a.name} ${a.model} ${a.contextWindow ?? 0} ${a.blockIds.length} ${a.createdAt ?? ''}`)
    .concat(live.folders.map((f) => `${f.name}: ${Object.keys(f.files).join(', ')}`));
}

export async function workflow(): Promise<number> {
  const report = core.validateFleet(yaml, files);
  if (!report.ok) return report.errors.map((e) => `${e.line ?? '?'}:${e.column ?? '?'} ${e.path} ${e.message}`).length;
  const agents: string[] = report.fleet.agents.map((a) => `${a.name} ${a.systemPrompt} ${a.llm.contextWindow} ${a.memoryBlocks.map((b) => b.agentOwned)}`);

  const offline = core.planFleet(yaml, files, { agents: [{ name: 'x', blockIds: [] }] }, { mode: 'canary', prefix: 'CANARY-', agents: null });
  if (offline.ok) review(offline.plan);

  const live = await core.fetchLive(conn, yaml, files);
  if (live.ok) models(live.live);

  const options: core.PlanOptions = { mode: 'canary', acceptToolUpdates: false };
  const planned = await core.planOnServer(conn, yaml, files, options);
  if (!planned.ok) return planned.error.kind === 'network' ? 2 : 1;
  const text: string = core.renderPlan(planned.plan);

  const events: Progress[] = [];
  const run = await core.executePlan(conn, yaml, files, planned.plan, options, (e) => { events.push(e); }, { concurrency: 2 });
  switch (run.outcome) {
    case 'ran': failedAgents(run.report).concat(run.summary); break;
    case 'stale': review(run.plan); break;
    case 'refused': return run.error.message.length;
  }
  const done = events.filter((e) => e.event === 'agentDone').map((e) => (e.event === 'agentDone' ? e.error : null));

  const list = await core.listCanaries(conn);
  const names = list.ok ? list.canaries.groups.flatMap((g) => g.canaries.map((c) => `${c.name} (${c.productionName}, ${c.ageSeconds ?? 0}s)`)) : [];
  const d = await core.describeCanary(conn, names[0] ?? 'CANARY-x');
  if (d.ok) d.description.differences.map(changeLine).concat(d.description.canary.fields.map(([k, v]) => `${k}=${v}`));

  const sent = await core.sendMessage(conn, 'CANARY-x', 'hello', (m) => { if (m.type === 'toolReturn') console.log(m.toolReturn); });
  const reply: string = sent.ok ? `${sent.agentId}: ${sent.reply.text} (${sent.reply.stopReason ?? ''})` : sent.error.kind;
  return agents.length + text.length + done.length + reply.length;
}
