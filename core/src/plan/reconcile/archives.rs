//! Archives: created when missing, never written otherwise. A canary references the
//! production archive (archives are not copied), and cleanup never deletes one.

use super::{Ctx, Phase1};
use crate::plan::FleetStep;
use std::collections::BTreeSet;

/// Reconciles every archive the selected agents use.
pub(in crate::plan) fn reconcile(ctx: &Ctx, out: &mut Phase1) {
    let mut done = BTreeSet::new();
    for a in &ctx.selected {
        let Some(ar) = &a.archive else { continue };
        if !done.insert(ar.name.clone()) || ctx.live.archive_by_name(&ar.name).is_some() {
            continue;
        }
        out.steps.push(FleetStep::CreateArchive {
            name: ar.name.clone(),
            description: ar.description.clone(),
            embedding: ar.embedding.clone().or_else(|| a.embedding.clone()),
        });
    }
}
