//! An agent's `archives` (at most one archive per agent).

use super::{with, Walker};
use crate::fleet::locate::Seg;
use crate::fleet::model::ArchiveSpec;
use crate::fleet::Problem;
use serde_yaml::Mapping;

const ARCHIVE_FIELDS: &[&str] = &["name", "description", "embedding"];

impl Walker<'_> {
    /// The agent's archive, if it lists one.
    pub(super) fn archive(&mut self, m: &Mapping, path: &[Seg]) -> Option<ArchiveSpec> {
        match m.get("archives").filter(|v| !v.is_null()) {
            None => None,
            Some(v) => {
                let ap = with(path, "archives");
                let list = self.list(v, &ap).unwrap_or_default();
                if list.len() > 1 {
                    self.err(ap.clone(), Problem::TooManyArchives(list.len()));
                }
                list.first().and_then(|a| {
                    let p = with(&ap, 0);
                    let am = self.map(
                        a,
                        &p,
                        "an archive (a map with name, description, embedding)",
                    )?;
                    self.keys(am, &p, ARCHIVE_FIELDS, &[]);
                    Some(ArchiveSpec {
                        name: self.text(am, &p, "name", true)?,
                        description: self.opt_text(am, &p, "description"),
                        embedding: self.opt_text(am, &p, "embedding"),
                    })
                })
            }
        }
    }
}
