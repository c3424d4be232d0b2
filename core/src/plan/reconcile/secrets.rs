//! Secrets (lettactl's `secrets` and `global-secrets`): each agent — each canary too, it is
//! its own agent — gets the fleet's secrets, values from the fleet (`value`) or from the
//! variables the caller supplies (`from_env`; the page asks for them and keeps them in
//! memory). Only declared secrets are managed; undeclared ones stay unless the user prunes,
//! and a name in `preserve_secrets` is never pruned. Values never reach a plan's JSON, its
//! text or a diff: changes say "(sensitive value)".

use super::Ctx;
use crate::fleet::{AgentSpec, SecretSource};
use crate::live::LiveAgent;
use crate::plan::{Change, SecretWrite, Sensitive, SENSITIVE_TEXT};

/// The secrets an agent should get, resolved; an unresolvable `from_env` is an error that
/// names the agent, the secret and the variable.
fn desired(
    ctx: &Ctx,
    a: &AgentSpec,
    live: Option<&LiveAgent>,
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    for s in ctx.fleet.secrets_for(a) {
        let value = match &s.source {
            SecretSource::Value(v) => Some(v.clone()),
            SecretSource::FromEnv {
                var,
                preserve_existing,
            } => match ctx.opts.vars.get(var).filter(|v| !v.is_empty()) {
                Some(v) => Some(v.to_string()),
                // Keep what the server has: nothing to write.
                None if *preserve_existing
                    && live.is_some_and(|l| l.secrets.contains_key(&s.name)) =>
                {
                    None
                }
                None => {
                    return Err(format!(
                        "secret {} of agent '{}' comes from the variable {var}, which has no value; give it a value{}",
                        s.name,
                        a.name,
                        if *preserve_existing {
                            " (preserve_existing keeps the server's value only once the agent has one)"
                        } else {
                            ", or set preserve_existing: true to keep the server's value"
                        }
                    ))
                }
            },
        };
        out.push((s.name.clone(), value));
    }
    Ok(out)
}

/// The secrets of a new agent, for its create request.
pub(super) fn for_create(ctx: &Ctx, a: &AgentSpec, blockers: &mut Vec<String>) -> SecretWrite {
    let mut w = SecretWrite::default();
    match desired(ctx, a, None) {
        Ok(list) => {
            for (name, value) in list {
                if let Some(v) = value {
                    w.set.insert(name, Sensitive::new(v));
                }
            }
        }
        Err(e) => blockers.push(e),
    }
    w
}

/// What an existing agent's secrets need, with the changes to show (names only).
pub(super) fn for_update(
    ctx: &Ctx,
    a: &AgentSpec,
    live: &LiveAgent,
    changes: &mut Vec<Change>,
    blockers: &mut Vec<String>,
) -> Option<SecretWrite> {
    let list = match desired(ctx, a, Some(live)) {
        Ok(l) => l,
        Err(e) => {
            blockers.push(e);
            return None;
        }
    };
    let mut w = SecretWrite::default();
    for (name, value) in &list {
        let Some(v) = value else { continue };
        let field = format!("secret {name}");
        match live.secrets.get(name).and_then(Sensitive::reveal) {
            Some(old) if old == v => continue,
            Some(_) => changes.push(Change::value(
                &field,
                Some(SENSITIVE_TEXT.into()),
                Some(format!("{SENSITIVE_TEXT}, changed")),
            )),
            None => changes.push(Change::value(&field, None, Some(SENSITIVE_TEXT.into()))),
        }
        w.set.insert(name.clone(), Sensitive::new(v.clone()));
    }
    if ctx.opts.prune {
        for name in live.secrets.keys() {
            let declared = list.iter().any(|(n, _)| n == name);
            if !declared && !ctx.fleet.preserve_secrets.contains(name) {
                changes.push(Change::value(
                    &format!("secret {name}"),
                    Some(SENSITIVE_TEXT.into()),
                    None,
                ));
                w.remove.push(name.clone());
            }
        }
    }
    (!w.is_empty()).then_some(w)
}
