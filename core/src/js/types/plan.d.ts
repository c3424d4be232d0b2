// Types of @fleet-canary/core, continued (see fleet.d.ts).

// ---- Plan -----------------------------------------------------------------------------------

export type Mode = "canary" | "promote" | "apply" | "cleanup";

/** Options of a plan; every field has a default (canary mode, prefix `CANARY-`). */
export interface PlanOptions {
  mode?: Mode;
  prefix?: string;
  /** Production names to plan for (all agents of the fleet when left out). */
  agents?: string[] | null;
  /** Remove attachments the fleet no longer lists. */
  prune?: boolean;
  /** Canary mode: allow updating a changed tool in place (a production impact). */
  acceptToolUpdates?: boolean;
  /** Cleanup: every canary of the prefix, not only this fleet's. */
  allCanaries?: boolean;
  /** Promote: clean the canaries up after every agent was promoted. */
  cleanupAfter?: boolean;
  /** Values of variables: `${VAR}` / `$VAR` in MCP server definitions and `from_env` secrets
   * (e.g. `{ ...process.env }`). Kept in memory: never in a plan, its text or a plan file. */
  vars?: Record<string, string>;
}

export type Kind = "agent" | "block" | "tool" | "folder" | "archive" | "mcpserver";
export type DeleteKind = "agent" | "block" | "folder";
export type Action = "CREATE" | "UPDATE" | "UNCHANGED" | "BLOCKED";

/** A server object: `id` is null for one a fleet step of the same plan creates. */
export interface Ref {
  name: string;
  id: string | null;
}

export interface Span {
  tag: "equal" | "insert" | "delete";
  text: string;
}

/** A diff of long text: lines (null marks a gap between hunks) or word runs. */
export type TextChange = { kind: "lines"; spans: (Span | null)[] } | { kind: "words"; spans: Span[] };

/** One field change, for review. */
export interface Change {
  /** What changes, in the user's words (`system_prompt`, `tools`, `block persona`…). */
  field: string;
  old: string | null;
  new: string | null;
  diff: TextChange | null;
}

/** A file already on the server. */
export interface ServerFile {
  id: string;
  name: string;
}

/** A step on a fleet-level object; fleet steps run before any agent step. */
export type FleetStep =
  | { op: "createBlock"; spec: BlockSpec; copyPrefix: string | null }
  | { op: "updateBlock"; id: string; spec: BlockSpec; copy: boolean; changes: Change[] }
  | { op: "createTool"; name: string; source: string }
  | { op: "updateTool"; id: string; name: string; source: string; change: Change }
  | {
      op: "createFolder";
      name: string;
      embedding: string | null;
      files: FolderFile[];
      copyPrefix: string | null;
      /** The fleet's `files` entries and what each matched. */
      sources: FileSource[];
    }
  | {
      op: "syncFolder";
      id: string;
      name: string;
      upload: FolderFile[];
      delete: ServerFile[];
      files: FolderFile[];
      copyPrefix: string | null;
      sources: FileSource[];
    }
  | { op: "createArchive"; name: string; description: string | null; embedding: string | null }
  | { op: "createMcpServer"; name: string; serverType: string }
  | { op: "updateMcpServer"; id: string; name: string; changes: Change[] };

/** Secrets an agent write sets and removes; values always read "(sensitive value)". */
export interface SecretWrite {
  set: Record<string, "(sensitive value)">;
  remove: string[];
}

/** Everything a new agent's single create request carries. */
export interface CreateAgent {
  name: string;
  description: string;
  system: string;
  model: string;
  contextWindow: number;
  maxTokens: number | null;
  embedding: string | null;
  memoryBlocks: BlockSpec[];
  blocks: Ref[];
  tools: Ref[];
  folders: Ref[];
  tags: string[];
  metadata: Metadata;
  includeBaseTools: boolean;
  reasoning: boolean;
  secrets: SecretWrite;
}

/** Fields of an agent update; null means "stays". */
export interface AgentPatch {
  description: string | null;
  system: string | null;
  /** `[model, contextWindow, maxTokens]`: they always travel together. */
  llm: [string, number, number | null] | null;
  embedding: string | null;
  tags: string[] | null;
  reasoning: boolean | null;
  metadata: Metadata | null;
  secrets: SecretWrite | null;
}

/** One step of an agent's work, in order. */
export type AgentStep =
  | ({ op: "create" } & CreateAgent)
  | ({ op: "patch" } & AgentPatch)
  | ({ op: "createBlock" } & BlockSpec)
  | { op: "updateBlock"; id: string; spec: BlockSpec }
  | { op: "attach"; kind: Kind; target: Ref }
  | { op: "detach"; kind: Kind; target: Ref }
  | { op: "firstMessage"; text: string }
  | { op: "createConversation"; summary: string; isolatedBlocks: string[] };

export interface AgentPlan {
  productionName: string;
  /** Name on the server (prefixed for canaries). */
  name: string;
  action: Action;
  id: string | null;
  changes: Change[];
  /** `[field, value]` of what stays. */
  unchanged: [string, string][];
  steps: AgentStep[];
}

/** Something a canary deploy would do to an object production uses. */
export interface Impact {
  kind: Kind;
  name: string;
  detail: string;
  usedBy: string[];
  accepted: boolean;
}

export interface Deletion {
  kind: DeleteKind;
  id: string;
  name: string;
  reason: string;
  /** The canary agent (id) this block belongs to alone: deleted just before it; null: after every agent is gone. */
  withAgent: string | null;
}

/** An object cleanup looked at and keeps, with the reason. */
export interface Kept {
  kind: Kind;
  id: string;
  name: string;
  reason: string;
}

/** The deleting phase: the whole plan in cleanup mode, after a promote with `cleanupAfter`. */
export interface CleanupPhase {
  prefix: string;
  deletions: Deletion[];
  kept: Kept[];
}

export interface Summary {
  create: number;
  update: number;
  unchanged: number;
  blocked: number;
  delete: number;
  fleetSteps: number;
  totalChanges: number;
}

/** Exactly what a run will do. The same value is rendered for review and executed. */
export interface Plan {
  mode: Mode;
  prefix: string | null;
  fleetSteps: FleetStep[];
  agents: AgentPlan[];
  productionImpact: Impact[];
  cleanup: CleanupPhase | null;
  /** Why the plan cannot run as it stands (empty: it can). */
  blockers: string[];
  summary: Summary;
  /** Equal fingerprints mean equal work (the stale check compares them). */
  fingerprint: string;
}

/** The answer of `planFleet`: `plan` is set exactly when `ok`. */
export type PlanResult =
  | { ok: true; errors: []; warnings: FleetDiagnostic[]; plan: Plan }
  | { ok: false; errors: FleetDiagnostic[]; warnings: []; plan: null };
