//! The YAML event stream of libyaml (the parser inside `serde_yaml`), with start positions.
//!
//! `serde_yaml` keeps its event reader private, so this reads the same parser
//! (`unsafe-libyaml-norway`, already linked for `serde_yaml`) through its C-style API. This is
//! the only `unsafe` code of the crate; it follows `serde_norway`'s own wrapper
//! (`src/libyaml/parser.rs`): the parser lives on the heap because it keeps a pointer to
//! itself once its input is set, every event is deleted after it is copied, and the parser is
//! deleted on every way out.

use std::mem::MaybeUninit;
use unsafe_libyaml_norway as unsafe_sys;

/// One parser event, reduced to what the position tree needs. It borrows from the parser's
/// event, so it lives only for the callback (nothing is copied that is not needed).
pub(crate) enum Event<'e> {
    /// A scalar with its text (UTF-8: the input is a `&str`) and anchor.
    Scalar {
        /// The scalar's text.
        value: &'e [u8],
        /// Its anchor name, if any.
        anchor: Option<&'e [u8]>,
        /// Written without quotes or `|`/`>`: only a plain scalar can be a number, bool or null.
        plain: bool,
        /// Written with an explicit tag (`!!str`, `!Custom`).
        tagged: bool,
    },
    /// An alias (`*name`).
    Alias(&'e [u8]),
    /// A sequence starts (with its anchor; `true` when it has an explicit tag).
    SequenceStart(Option<&'e [u8]>, bool),
    /// A mapping starts (with its anchor; `true` when it has an explicit tag).
    MappingStart(Option<&'e [u8]>, bool),
    /// A sequence or mapping ends.
    End,
}

/// Deletes the parser however `parse` returns.
struct Parser(Box<MaybeUninit<unsafe_sys::yaml_parser_t>>);

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: only built after `yaml_parser_initialize` succeeded; deleted once, here.
        unsafe { unsafe_sys::yaml_parser_delete(self.0.as_mut_ptr()) }
    }
}

/// A NUL-terminated anchor name; `None` for a null pointer.
///
/// SAFETY: `p` is null or points to a NUL-terminated string that outlives `'e` (owned by the
/// current event, which is deleted only after the callback returns).
unsafe fn anchor<'e>(p: *const u8) -> Option<&'e [u8]> {
    if p.is_null() {
        return None;
    }
    Some(std::ffi::CStr::from_ptr(p.cast()).to_bytes())
}

/// Calls `each` with every node event of the text and its 1-based (line, column), in order,
/// until the stream ends or the text stops parsing. True when the whole stream parsed.
pub(crate) fn parse(text: &str, mut each: impl FnMut(Event<'_>, (usize, usize))) -> bool {
    let mut parser = Parser(Box::new(MaybeUninit::uninit()));
    let p = parser.0.as_mut_ptr();
    // SAFETY: `p` points to heap memory that stays put; `text` outlives the parser, which
    // is dropped (deleted) at the end of this function. `initialize` failing means out of
    // memory; the parser must then not be deleted.
    unsafe {
        if unsafe_sys::yaml_parser_initialize(p).fail {
            std::mem::forget(parser);
            return false;
        }
        unsafe_sys::yaml_parser_set_encoding(p, unsafe_sys::YAML_UTF8_ENCODING);
        unsafe_sys::yaml_parser_set_input_string(p, text.as_ptr(), text.len() as u64);
    }
    loop {
        let mut raw = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised; a successful `parse` fills `raw`, whose union
        // field is read according to its type; the borrowed event is handed to `each` and
        // `raw` is deleted after it returns.
        let end = unsafe {
            if unsafe_sys::yaml_parser_parse(p, raw.as_mut_ptr()).fail {
                return false;
            }
            let e = &*raw.as_ptr();
            let pos = (
                e.start_mark.line as usize + 1,
                e.start_mark.column as usize + 1,
            );
            let event = match e.type_ {
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let s = e.data.scalar;
                    let bytes = if s.value.is_null() {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(s.value, s.length as usize)
                    };
                    Some(Event::Scalar {
                        value: bytes,
                        anchor: anchor(s.anchor),
                        plain: s.style == unsafe_sys::YAML_PLAIN_SCALAR_STYLE,
                        tagged: !s.tag.is_null(),
                    })
                }
                unsafe_sys::YAML_ALIAS_EVENT => anchor(e.data.alias.anchor).map(Event::Alias),
                unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                    let start = e.data.sequence_start;
                    Some(Event::SequenceStart(
                        anchor(start.anchor),
                        !start.tag.is_null(),
                    ))
                }
                unsafe_sys::YAML_MAPPING_START_EVENT => {
                    let start = e.data.mapping_start;
                    Some(Event::MappingStart(
                        anchor(start.anchor),
                        !start.tag.is_null(),
                    ))
                }
                unsafe_sys::YAML_SEQUENCE_END_EVENT | unsafe_sys::YAML_MAPPING_END_EVENT => {
                    Some(Event::End)
                }
                _ => None,
            };
            let end = matches!(e.type_, unsafe_sys::YAML_STREAM_END_EVENT);
            if let Some(event) = event {
                each(event, pos);
            }
            unsafe_sys::yaml_event_delete(raw.as_mut_ptr());
            end
        };
        if end {
            return true;
        }
    }
}
