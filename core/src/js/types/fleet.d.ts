// ---------------------------------------------------------------------------------------------
// Types of @fleet-canary/core (this file, plan.d.ts, server.d.ts). Written by hand beside the
// Rust types they mirror (serde, every field camelCase). tests/js/types.test.js and
// server.test.js type-check real answers of every function against them with `tsc --strict`:
// a field added, renamed or removed on the Rust side fails them, naming the field; add it here.
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

/**
 * The answer of `validateFleet`: `fleet` is set exactly when `ok`. `filesUsed`: the files of
 * the set the fleet reads or matches (normalised paths), so a file list can point out the ones
 * nothing uses; `null` when the fleet has errors.
 */
export type FleetReport =
  | { ok: true; errors: []; warnings: FleetDiagnostic[]; fleet: Fleet; filesUsed: string[] }
  | { ok: false; errors: FleetDiagnostic[]; warnings: FleetDiagnostic[]; fleet: null; filesUsed: null };

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
