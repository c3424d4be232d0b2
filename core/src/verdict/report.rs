//! Exports of a run: JSON (for pipelines) and Markdown (for a pull request).

use super::run::RunReport;

/// The run as pretty JSON.
pub fn to_json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

fn cell(s: &str) -> String {
    let one_line: String = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let t: String = one_line.chars().take(120).collect();
    if t.len() < one_line.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// The run as a Markdown report: verdict, totals, a table of cases, the failures in detail.
pub fn to_markdown(report: &RunReport) -> String {
    let v = &report.verdict;
    let t = &report.totals;
    let mut out = format!(
        "## Canary verdict: {}\n\nSuite **{}**, prefix `{}`, fleet `{}`, {}.\n\n{} of {} passed, {} failed ({} errors); {} pairs differ from production; {} ms; tokens canary {} / production {}{}.\n\n",
        if v.ok { "PASSED" } else { "FAILED" },
        v.suite, v.prefix, v.fleet_hash, v.at, t.passed, t.cases, t.failed, t.errors, t.different, t.wall_ms, t.canary_tokens, t.production_tokens,
        t.retried_note()
    );
    out.push_str(
        "| Case | Agent | Result | Canary reply | Production reply |\n|---|---|---|---|---|\n",
    );
    for c in &report.cases {
        let prod = c
            .production
            .as_ref()
            .map(|p| p.error.clone().unwrap_or_else(|| p.text()))
            .unwrap_or_else(|| "—".into());
        let canary = c.canary.error.clone().unwrap_or_else(|| c.canary.text());
        out.push_str(&format!(
            "| {} | {} | {}{} | {} | {} |\n",
            cell(&c.case),
            cell(&c.agent),
            if c.passed { "pass" } else { "**FAIL**" },
            if c.production.is_some() && !c.same {
                ", differs"
            } else {
                ""
            },
            cell(&canary),
            cell(&prod)
        ));
    }
    let failed: Vec<_> = report.cases.iter().filter(|c| !c.passed).collect();
    if !failed.is_empty() {
        out.push_str("\n### Failures\n\n");
        for c in failed {
            out.push_str(&format!("- **{}** @ {}\n", c.case, c.agent));
            if let Some(e) = &c.canary.error {
                out.push_str(&format!("  - error: {}\n", cell(e)));
            }
            for r in c.canary.checks.iter().filter(|r| !r.passed) {
                out.push_str(&format!(
                    "  - {}: {}\n",
                    r.label,
                    cell(r.detail.as_deref().unwrap_or("failed"))
                ));
            }
        }
    }
    let warned: Vec<_> = report
        .cases
        .iter()
        .flat_map(|c| {
            c.sides()
                .flat_map(move |(side, s)| s.warnings.iter().map(move |w| (c, side, w)))
        })
        .collect();
    if !warned.is_empty() {
        out.push_str("\n### Warnings\n\n");
        for (c, side, w) in warned {
            let w = w.replace(['\n', '\r'], " ");
            out.push_str(&format!("- **{}** @ {}, {side}: {w}\n", c.case, c.agent));
        }
    }
    out
}
