// ---------------------------------------------------------------------------------------------
// Types of @fleet-canary/core. Written by hand beside the Rust types they mirror (serde, all
// fields camelCase); tests/js/types.test.js type-checks real answers of every function against
// them with `tsc --strict`, so a field added, renamed or removed on either side fails the test.
// ---------------------------------------------------------------------------------------------

/** JSON metadata as the server stores it (user data: keys are not renamed). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** An object of JSON metadata. */
export type Metadata = { [key: string]: JsonValue };

// ---- Fleet ----------------------------------------------------------------------------------

/** A problem with its place in the fleet file. */
export interface FleetDiagnostic {
  /** What is wrong and how to fix it. */
  message: string;
  /** YAML path such as `agents[2].memory_blocks[0].limit` ("" for the whole file). */
  path: string;
  line: number | null;
  column: number | null;
  severity: "error" | "warning";
}

/** The resolved fleet: defaults applied, every referenced file read, tags a sorted set. */
export interface Fleet {
  agents: AgentSpec[];
  sharedBlocks: BlockSpec[];
  sharedFolders: FolderSpec[];
  /** MCP servers the fleet defines (lettactl's `mcp_servers`). */
  mcpServers: McpServerSpec[];
  /** Secrets every agent gets (lettactl's `global-secrets`); an agent's own win. */
  globalSecrets: SecretSpec[];
  /** Secret names that pruning never deletes. */
  preserveSecrets: string[];
}

/** An MCP server the fleet defines, registered on the Letta server under its name. */
export interface McpServerSpec {
  name: string;
  /** Strings as written: `${VAR}` references are expanded from `PlanOptions.vars`. */
  transport: McpTransport;
  /** Variables its strings refer to, sorted. */
  variables: string[];
}

export interface McpHttp {
  serverUrl: string;
  authHeader: string | null;
  authToken: string | null;
  customHeaders: Record<string, string>;
}

export type McpTransport =
  | ({ type: "sse" } & McpHttp)
  | ({ type: "streamable_http" } & McpHttp)
  | { type: "stdio"; command: string; args: string[]; env: Record<string, string> };

/** Tools of one fleet MCP server an agent attaches: every one, or these by name. */
export interface McpToolsSpec {
  server: string;
  tools: "all" | { named: string[] };
}

/** A secret: its value written in the fleet, or read from an environment variable. */
export interface SecretSpec {
  name: string;
  source: { value: string } | { fromEnv: { var: string; preserveExisting: boolean } };
}

/** One agent as the fleet describes it (production name). */
export interface AgentSpec {
  name: string;
  description: string;
  systemPrompt: string;
  llm: LlmConfig;
  embedding: string | null;
  tools: ToolSpec[];
  includeBaseTools: boolean;
  memoryBlocks: BlockSpec[];
  sharedBlocks: string[];
  folders: FolderSpec[];
  sharedFolders: string[];
  archive: ArchiveSpec | null;
  tags: string[];
  firstMessage: string | null;
  reasoning: boolean;
  /** Conversations the agent should have, matched on the server by summary. */
  conversations: ConversationSpec[];
  /** Tools of the fleet's MCP servers it attaches (lettactl's `mcp_tools`). */
  mcpTools: McpToolsSpec[];
  /** Its own secrets, sorted by name. */
  secrets: SecretSpec[];
}

/** A conversation an agent should have: created when missing, never changed or deleted. */
export interface ConversationSpec {
  summary: string;
  /** Block labels the conversation gets its own copies of. */
  isolatedBlocks: string[];
}

export interface LlmConfig {
  model: string;
  contextWindow: number;
  maxTokens: number | null;
}

/** A server tool by name (`source: null`) or a custom tool with its Python source. */
export interface ToolSpec {
  name: string;
  source: string | null;
}

export interface BlockSpec {
  label: string;
  description: string;
  limit: number;
  value: string;
  agentOwned: boolean;
}

export interface FolderSpec {
  name: string;
  /** Documents, sorted by path. */
  files: FolderFile[];
  /** Each `files` entry as written and the paths it matched. */
  sources: FileSource[];
}

/** One `files` entry of a folder (a path or a pattern such as `docs/*.md`) and what it matched. */
export interface FileSource {
  pattern: string;
  matched: string[];
}

export interface FolderFile {
  path: string;
  /** Text when the document is UTF-8, else its bytes. */
  content: string | number[];
}

/**
 * The files a fleet refers to (prompts, block values, tool sources, folder documents) by path
 * relative to the fleet's folder: text, or bytes (`fs.readFileSync(path)` gives a Buffer).
 */
export type FleetFiles = Record<string, string | Uint8Array | number[]>;

export interface ArchiveSpec {
  name: string;
  description: string | null;
  embedding: string | null;
}

/** The answer of `validateFleet`: `fleet` is set exactly when `ok`. */
export type FleetReport =
  | { ok: true; errors: []; warnings: FleetDiagnostic[]; fleet: Fleet }
  | { ok: false; errors: FleetDiagnostic[]; warnings: FleetDiagnostic[]; fleet: null };

// ---- Live state -------------------------------------------------------------------------------

/** A normalised snapshot of the server (what the planner compares the fleet with). */
export interface LiveState {
  agents: LiveAgent[];
  blocks: LiveBlock[];
  tools: LiveTool[];
  folders: LiveFolder[];
  archives: LiveArchive[];
  /** MCP servers registered on the server, with their tools. */
  mcpServers: LiveMcpServer[];
  /** True for a preview without a server: such a plan says so and cannot be executed. */
  notRead: boolean;
}

export interface LiveAgent {
  id: string;
  name: string;
  description: string;
  system: string;
  model: string;
  contextWindow: number | null;
  maxTokens: number | null;
  embedding: string | null;
  tags: string[];
  toolIds: string[];
  blockIds: string[];
  folderIds: string[];
  archiveIds: string[];
  metadata: Metadata;
  createdAt: string | null;
  /** Summaries of its conversations, sorted (read for agents whose fleet entry lists some). */
  conversations: string[];
}

export interface LiveBlock {
  id: string;
  label: string;
  value: string;
  limit: number;
  description: string | null;
  metadata: Metadata;
}

export interface LiveTool {
  id: string;
  name: string;
  sourceCode: string | null;
  toolType: string | null;
}

export interface LiveFolder {
  id: string;
  name: string;
  metadata: Metadata;
  /** File name → size in bytes. */
  files: { [fileName: string]: number };
  /** File name → file id. */
  fileIds: { [fileName: string]: string };
}

export interface LiveMcpServer {
  id: string;
  name: string;
  /** Null when the server reports a type this tool does not know. */
  definition: McpDefinition | null;
  tools: LiveTool[];
}

/** An MCP server's definition as the server stores it (may hold secrets). */
export type McpDefinition =
  | { type: "stdio"; command: string; args: string[]; env: Record<string, string> }
  | { type: "sse" | "streamable_http"; serverUrl: string; token: string | null; customHeaders: Record<string, string> };

export interface LiveArchive {
  id: string;
  name: string;
  description: string | null;
}

/** A live state as input: every field may be left out (a hand-written snapshot). */
export interface LiveStateInput {
  agents?: Partial<LiveAgent>[];
  blocks?: Partial<LiveBlock>[];
  tools?: Partial<LiveTool>[];
  folders?: Partial<LiveFolder>[];
  archives?: Partial<LiveArchive>[];
  mcpServers?: (Partial<Omit<LiveMcpServer, "tools">> & { tools?: Partial<LiveTool>[] })[];
  notRead?: boolean;
}

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
  /** Values for `${VAR}` / `$VAR` in MCP server definitions (read, never written back). */
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
  | { op: "createFolder"; name: string; embedding: string | null; files: FolderFile[]; copyPrefix: string | null }
  | {
      op: "syncFolder";
      id: string;
      name: string;
      upload: FolderFile[];
      delete: ServerFile[];
      files: FolderFile[];
      copyPrefix: string | null;
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
}

/**
 * The answer of `executePlan`. `ran`: the plan ran (`ok` says whether every step succeeded);
 * `stale`: the server changed since the review, nothing ran, `plan` is the plan as it is now;
 * `refused`: nothing ran (bad input, blockers, unreachable server).
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
