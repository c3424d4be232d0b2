//! What can be wrong with a fleet file, as data; the messages say how to fix it.

/// Everything that can be wrong with a fleet file. Each message says what is wrong and how to
/// fix it; the path and position travel beside it in [`super::Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The text is not valid YAML.
    #[error("YAML syntax error: {0}")]
    Syntax(String),
    /// The document is not a map.
    #[error("the fleet must be a YAML map with an 'agents' list, but this is {0}")]
    NotAMap(&'static str),
    /// `agents` is missing or empty.
    #[error("the fleet has no agents; add an 'agents' list with at least one agent")]
    NoAgents,
    /// A map key is not text.
    #[error("keys must be text, found {0}")]
    NonTextKey(String),
    /// A field we do not know; `suggestion` is the allowed field it is most likely a typo of.
    #[error("unknown field '{field}'; {}allowed fields are: {}", suggestion.map(|s| format!("did you mean '{s}'? ")).unwrap_or_default(), allowed.join(", "))]
    UnknownField {
        /// The field as written.
        field: String,
        /// What is allowed at this place.
        allowed: &'static [&'static str],
        /// The allowed field closest to `field` (edit distance), when it is close enough.
        suggestion: Option<&'static str>,
    },
    /// A lettactl field this tool does not apply (a warning).
    #[error("'{0}' is a lettactl setting that this tool does not apply; it is ignored")]
    NotApplied(String),
    /// A secret written into the fleet file itself (a warning): the file travels (the page's
    /// draft and History, plan files, downloads, version control), so the value does too.
    #[error("{0} is written into the fleet file, so it is kept wherever the file is: the page's draft and History, plan files, a downloaded fleet.yaml, version control; {1}")]
    InlineSecret(&'static str, &'static str),
    /// A required field is missing.
    #[error("'{0}' is required")]
    Missing(&'static str),
    /// `agent_owned` is missing from a block.
    #[error("'agent_owned' is required: true if the agent owns the value (the YAML never overwrites it), false to sync the YAML value on every apply")]
    AgentOwnedMissing,
    /// A text field is blank.
    #[error("'{0}' must not be empty")]
    Empty(&'static str),
    /// A value of the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the format wants here.
        expected: &'static str,
        /// What the file has.
        found: &'static str,
    },
    /// A number outside its range.
    #[error("'{field}' must be a whole number from {min} to {max}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// An agent name that breaks the name rule.
    #[error("name '{0}' may contain only letters, digits, '_' and '-'")]
    BadName(String),
    /// An agent name the server or lettactl reserves.
    #[error("name '{0}' is reserved; choose another agent name")]
    ReservedName(String),
    /// Two agents with one name.
    #[error("agent name '{name}' is already used by agents[{first}]; agent names must be unique")]
    DuplicateAgent {
        /// The name.
        name: String,
        /// Index of the first agent with it.
        first: usize,
    },
    /// Two things of one kind with one name.
    #[error("{what} '{name}' appears twice; names must be unique")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// Both `value` and `from_file`.
    #[error("give exactly one of 'value' or 'from_file', not both")]
    BothValueAndFile,
    /// Neither `value` nor `from_file`.
    #[error("give exactly one of 'value' or 'from_file'")]
    NeitherValueNorFile,
    /// A referenced file is not in the file set.
    #[error("file '{0}' is not in the fleet's files; add it or fix the path")]
    FileMissing(String),
    /// A prompt, block value or tool source file that is not UTF-8 text.
    #[error("file '{file}' is not UTF-8 text (invalid bytes at byte {offset}); prompts, block values and tool sources must be text files — is it the right file?")]
    NotText {
        /// The file's path in the file set.
        file: String,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// Text with a NUL character, which the server cannot store.
    #[error("{what} contains a NUL character (at byte {offset}); the server cannot store it — is this a binary file?")]
    NulInText {
        /// "file 'x'" or "the value".
        what: String,
        /// Where the NUL is.
        offset: usize,
    },
    /// A `from_bucket` source, which needs storage credentials a page does not have.
    #[error("'from_bucket' reads from Supabase storage with credentials from lettactl's environment, which this browser tool cannot do; download the file, add it to the fleet's files and {instead}")]
    FromBucket {
        /// What to write instead.
        instead: &'static str,
    },
    /// A lettactl setting that lettactl itself never applies (a warning).
    #[error("'{0}' has no effect: lettactl documents it but does not apply it, and neither does this tool")]
    NoEffect(&'static str),
    /// An empty block value, which lettactl refuses.
    #[error("a block's 'value' must not be empty (lettactl refuses empty values); write a short placeholder such as 'None yet.'")]
    EmptyBlockValue,
    /// An MCP server `type` lettactl does not know.
    #[error("MCP server type '{0}' is not known; use sse, streamable_http or stdio")]
    McpType(String),
    /// `mcp_tools` names a server the fleet does not define.
    #[error("MCP server '{name}' is not defined in the fleet's top-level 'mcp_servers'{}", if known.is_empty() { "; add it there".to_string() } else { format!("; defined: {}", known.join(", ")) })]
    UnknownMcpServer {
        /// The name used.
        name: String,
        /// The servers the fleet defines.
        known: Vec<String>,
    },
    /// A secret name that is not `^[A-Z_][A-Z0-9_]*$` once upper-cased.
    #[error("secret name '{0}' may contain only letters, digits and '_' and must not start with a digit (it is upper-cased, as lettactl does)")]
    BadSecretName(String),
    /// A secret without exactly one source.
    #[error("give exactly one of 'value' or 'from_env' for a secret")]
    SecretSource,
    /// `preserve_existing` on a secret with a `value`.
    #[error("'preserve_existing' only applies to 'from_env' secrets (it keeps the server's value when the variable is not set)")]
    PreserveWithValue,
    /// A folder document of a type the Letta server refuses.
    #[error("'{0}' is not a document type the Letta server accepts (it answers 415); use PDF, text, Markdown, JSON, CSV, source code or configuration files")]
    UnsupportedDocument(String),
    /// A path that cannot be used.
    #[error("{0}")]
    Path(String),
    /// A block value longer than its limit.
    #[error("the value is {len} characters but 'limit' is {limit}; raise 'limit' to at least {len} or shorten the value")]
    OverLimit {
        /// Characters in the value.
        len: usize,
        /// The declared limit.
        limit: u32,
    },
    /// A block label with spaces.
    #[error("block name '{0}' must not contain spaces (it becomes the block's label)")]
    BlockLabel(String),
    /// A model that is not a handle.
    #[error("model '{0}' is not a handle; write provider/model, for example 'openai/gpt-4.1'")]
    ModelHandle(String),
    /// A conversation isolates a block label the agent does not have.
    #[error("isolated block '{label}' is not one of this agent's blocks{}", if known.is_empty() { "; the agent has no blocks".to_string() } else { format!(" ({})", known.join(", ")) })]
    UnknownBlockLabel {
        /// The label used.
        label: String,
        /// The agent's labels.
        known: Vec<String>,
    },
    /// An unknown shared block or folder.
    #[error("{what} '{name}' is not defined at the top level{}", if known.is_empty() { String::new() } else { format!("; defined: {}", known.join(", ")) })]
    UnknownShared {
        /// "shared block" or "shared folder".
        what: &'static str,
        /// The name used.
        name: String,
        /// The names that exist.
        known: Vec<String>,
    },
    /// A shared block whose label an agent block already uses.
    #[error("the agent already has a memory block labelled '{0}'; an agent cannot have two blocks with one label")]
    LabelClash(String),
    /// The same agent folder on two agents.
    #[error("folder '{name}' is also defined on agent '{other}'; move it to the top-level 'shared_folders' and list it under each agent's 'shared_folders'")]
    FolderOnTwoAgents {
        /// Folder name.
        name: String,
        /// The other agent.
        other: String,
    },
    /// An agent folder that has a shared folder's name.
    #[error(
        "folder '{0}' is a shared folder; list it under 'shared_folders' instead of 'folders'"
    )]
    FolderIsShared(String),
    /// Two files of one folder with one file name.
    #[error("'{a}' and '{b}' have the same file name; a folder stores files by name, rename one")]
    SameFileName {
        /// First path.
        a: String,
        /// Second path.
        b: String,
    },
    /// More than one archive.
    #[error("an agent can have at most one archive, found {0}")]
    TooManyArchives(usize),
    /// A tag with a comma.
    #[error("tag '{0}' contains a comma; tags may not contain commas")]
    TagComma(String),
    /// `tools/*` with no tool files.
    #[error("'tools/*' matched no file; add tools/<name>.py files (files starting with '_' are skipped)")]
    NoToolFiles,
    /// A tool with both sources.
    #[error("give exactly one of 'from_file' or 'source_code' for a tool")]
    ToolBothSources,
    /// A custom tool without source.
    #[error("tool '{name}' has no source: add '{default}', or give 'from_file' or 'source_code'")]
    ToolSourceMissing {
        /// Tool name.
        name: String,
        /// The default path looked at.
        default: String,
    },
    /// Source that does not define the tool's function.
    #[error("the source of tool '{0}' must define a function named '{0}' (the server names tools after their Python function)")]
    ToolFunctionName(String),
    /// One tool name with two sources.
    #[error("tool '{name}' has a different source than at {first}; one tool name can have only one source")]
    ToolTwoSources {
        /// Tool name.
        name: String,
        /// Where it was first defined.
        first: String,
    },
}
