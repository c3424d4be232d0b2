// Types of @fleet-canary/core, continued (see fleet.d.ts).

// ---- Server ---------------------------------------------------------------------------------

/** Where the Letta server is. */
export interface Connection {
  /** Without `/v1`, e.g. `http://127.0.0.1:8283` or `https://api.letta.com`. */
  baseUrl: string;
  /** Letta Cloud or a `--secure` server. */
  apiKey?: string | null;
  /** Letta Cloud project (`X-Project`). */
  project?: string | null;
}

export type FailureKind =
  | "input"
  | "fleet"
  | "plan"
  | "network"
  | "unauthorized"
  | "quota"
  | "notFound"
  | "busy"
  | "invalid"
  | "rateLimited"
  | "llm"
  | "server"
  | "decode"
  | "pagingStuck"
  | "ambiguous"
  | "stale"
  | "blocked"
  | "gate"
  | "notCanary"
  | "planFile";

/** Why a call gave no result, by what the caller can do about it. */
export interface Failure {
  kind: FailureKind;
  /** What went wrong and what to do, in a sentence. */
  message: string;
  /** The fleet's errors, for `kind: "fleet"` (empty otherwise). */
  diagnostics: FleetDiagnostic[];
}

export type LiveResult =
  | { ok: true; error: null; live: LiveState; warnings: FleetDiagnostic[] }
  | { ok: false; error: Failure; live: null; warnings: null };

export type ServerPlanResult =
  | { ok: true; error: null; plan: Plan; live: LiveState; warnings: FleetDiagnostic[] }
  | { ok: false; error: Failure; plan: null; live: null; warnings: null };

/** Events of a run, for a progress bar and per-agent status. */
export type Progress =
  | { event: "fleetStep"; label: string; error: string | null }
  | { event: "agentStarted"; name: string }
  | { event: "agentDone"; name: string; error: string | null }
  | { event: "deleted"; kind: DeleteKind; name: string; error: string | null };

export interface StepResult {
  label: string;
  error: string | null;
}

export interface AgentResult {
  name: string;
  productionName: string;
  action: Action;
  /** Agent id after the run. */
  id: string | null;
  error: string | null;
  /** Things that went wrong without failing the agent (e.g. its first message). */
  warnings: string[];
}

/** What happened to one planned deletion. */
export type DeletionOutcome =
  | { status: "deleted" }
  | { status: "alreadyGone" }
  | { status: "failed"; reason: string }
  | { status: "skipped"; reason: string };

export interface DeletionResult {
  kind: DeleteKind;
  id: string;
  name: string;
  outcome: DeletionOutcome;
}

/** Phase two (the plan's cleanup): its deletions, or why it did not run. */
export type CleanupReport = { status: "ran"; deletions: DeletionResult[] } | { status: "skipped"; reason: string };

/** What a run did: phase one (fleet steps, agents) and phase two (cleanup), if planned. */
export interface ExecReport {
  fleet: StepResult[];
  agents: AgentResult[];
  cleanup: CleanupReport | null;
}

export interface ExecuteSettings {
  /** Agents worked on at once (default 6). */
  concurrency?: number;
  /**
   * Promote plans only: promote although the promote gate refuses (no suite ran against the
   * canaries, it failed, or it tested another version of the fleet). The reason is required and
   * is recorded on every promoted agent's metadata (`fleetcanary.promoteOverride`).
   */
  overrideGate?: string | null;
}

/**
 * The answer of `executePlan`. `ran`: the plan ran (`ok` says whether every step succeeded);
 * `stale`: the server changed since the review, nothing ran, `plan` is the plan as it is now;
 * `refused`: nothing ran (bad input, blockers, unreachable server, or a promote the promote gate
 * refused: `error.kind: "gate"`).
 */
export type ExecuteResult =
  | { ok: boolean; outcome: "ran"; error: null; summary: string; report: ExecReport; plan: null }
  | { ok: false; outcome: "stale"; error: Failure; report: null; plan: Plan }
  | { ok: false; outcome: "refused"; error: Failure; report: null; plan: null };

export interface CanaryInfo {
  id: string;
  name: string;
  prefix: string;
  productionName: string;
  productionId: string | null;
  createdAt: string | null;
  ageSeconds: number | null;
}

export interface PrefixGroup {
  prefix: string;
  canaries: CanaryInfo[];
}

/** An agent whose name starts with a canary prefix but that is not a canary (never deleted). */
export interface Lookalike {
  id: string;
  name: string;
  prefix: string;
}

export interface CanaryList {
  groups: PrefixGroup[];
  lookalikes: Lookalike[];
}

export type CanaryListResult =
  | { ok: true; error: null; canaries: CanaryList }
  | { ok: false; error: Failure; canaries: null };

/** A readable view of one agent: `[field, value]` in a fixed order. */
export interface AgentView {
  id: string;
  name: string;
  fields: [string, string][];
}

export interface Description {
  canary: AgentView;
  production: AgentView | null;
  /** Fields that differ (old = production, new = canary). */
  differences: Change[];
}

export type DescribeResult =
  | { ok: true; error: null; description: Description }
  | { ok: false; error: Failure; description: null };

export type ChatMessage =
  | { type: "assistant"; content: string }
  | { type: "reasoning"; reasoning: string }
  | { type: "toolCall"; name: string; arguments: string }
  | { type: "toolReturn"; toolReturn: string; status: string }
  | { type: "error"; message: string };

export interface ChatReply {
  messages: ChatMessage[];
  stopReason: string | null;
  /** The assistant messages' text, joined. */
  text: string;
}

export type SendResult =
  | { ok: true; error: null; agentId: string; reply: ChatReply }
  | { ok: false; error: Failure; agentId: null; reply: null };

// ---- Plan files -----------------------------------------------------------------------------

/** A fleet as its source: the YAML and the files it references. */
export interface FleetSource {
  /** The fleet file's name as the user knows it (informational). */
  path: string;
  yaml: string;
  files: Record<string, string | number[]>;
}

export interface FleetSourceInput {
  path?: string;
  yaml: string;
  files?: FleetFiles | null;
}

/** The versioned plan file shared with `fleet-canary plan --out` / `apply --plan` and the web app. */
export interface PlanFile {
  format: "fleet-canary-plan";
  version: number;
  createdAt: string;
  /** The server the plan was made against. */
  server: string;
  options: Required<Omit<PlanOptions, "vars">>;
  fleet: FleetSource;
  plan: Plan;
}

export type PlanFileText = { ok: true; error: null; text: string } | { ok: false; error: Failure; text: null };

export type PlanFileResult = { ok: true; error: null; planFile: PlanFile } | { ok: false; error: Failure; planFile: null };
