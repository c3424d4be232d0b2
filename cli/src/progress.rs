//! A progress bar on stderr while a plan runs, only when stderr is a terminal (a pipeline's
//! log gets the results, not a redrawn bar).

use canary_core::execute::Progress;
use canary_core::plan::Plan;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Units of work a plan's run reports: fleet steps, agents with steps, deletions.
pub fn units(plan: &Plan) -> u64 {
    let agents = plan.agents.iter().filter(|a| !a.steps.is_empty()).count();
    (plan.fleet_steps.len() + agents + plan.deletions().len()) as u64
}

/// The bar, hidden when `visible` is false.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar for `total` units.
    pub fn new(total: u64, visible: bool) -> Bar {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed_precise} {wide_msg}")
        {
            bar.set_style(style);
        }
        Bar(bar)
    }

    /// Feeds one executor event.
    pub fn on(&self, event: Progress) {
        match event {
            Progress::AgentStarted { name } => self.0.set_message(name),
            Progress::FleetStep { label, .. } => {
                self.0.set_message(label);
                self.0.inc(1);
            }
            Progress::AgentDone { name, .. } | Progress::Deleted { name, .. } => {
                self.0.set_message(name);
                self.0.inc(1);
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    /// Removes the bar so that results print on a clean line.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
