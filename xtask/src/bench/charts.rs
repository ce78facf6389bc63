//! Charts (SVG, plotters): the codegen times by stage and every ratio against its target.

use super::codegen::{InputResult, STAGES};
use super::report::Report;
use super::targets::Verdict;
use plotters::prelude::*;
use std::path::Path;

const STAGE_COLORS: [RGBColor; 5] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x9c, 0x75, 0x5f),
];
const OTHER: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
const STARTUP: RGBColor = RGBColor(0xd4, 0xd4, 0xd4);
const PASS: RGBColor = RGBColor(0x59, 0xa1, 0x4f);
const FAIL: RGBColor = RGBColor(0xe1, 0x57, 0x59);

fn err(e: impl std::fmt::Display) -> String {
    format!("error: drawing a chart failed: {e}")
}

/// One panel per input: apigen's wall time stacked by stage, each peer's total.
pub fn codegen(report: &Report, path: &Path) -> Result<(), String> {
    let root = SVGBackend::new(path, (1200, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (title, body) = root.split_vertically(50);
    title
        .titled(
            "Code generation: wall time (apigen by stage; peers total)",
            ("sans-serif", 22),
        )
        .map_err(err)?;
    let (panels, legend) = body.split_vertically(430);
    let areas = panels.split_evenly((1, report.codegen.len().max(1)));
    for (area, input) in areas.iter().zip(&report.codegen) {
        panel(area, input)?;
    }
    let mut x = 60;
    let mut entries: Vec<(String, RGBColor)> = STAGES
        .iter()
        .zip(STAGE_COLORS)
        .map(|(s, c)| (format!("apigen {s}"), c))
        .collect();
    entries.push(("apigen process start/exit".into(), STARTUP));
    entries.push(("peer, or `cargo xtask codegen` (whole run)".into(), OTHER));
    for (label, color) in entries {
        legend
            .draw(&Rectangle::new([(x, 12), (x + 14, 26)], color.filled()))
            .map_err(err)?;
        legend
            .draw(&Text::new(label.clone(), (x + 20, 12), ("sans-serif", 14)))
            .map_err(err)?;
        x += 30 + 8 * label.len() as i32;
    }
    root.present().map_err(err)
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    input: &InputResult,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let names: Vec<String> = input.tools.iter().map(|t| t.tool.clone()).collect();
    let top = input
        .tools
        .iter()
        .filter(|t| t.ok())
        .filter_map(|t| t.wall_ms)
        .fold(1.0f64, f64::max)
        * 1.15;
    let n = names.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(&input.label, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..n - 0.5, 0f64..top)
        .map_err(err)?;
    let label_of = |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        names.get(i as usize).cloned().unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(names.len() + 1)
        .x_label_formatter(&label_of)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(WHITE)
        .y_desc("ms")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    for (i, t) in input.tools.iter().enumerate() {
        let x0 = i as f64 - 0.35;
        let x1 = i as f64 + 0.35;
        if !t.ok() {
            chart
                .draw_series(std::iter::once(Text::new(
                    t.outcome.label().to_string(),
                    (x0, top * 0.06),
                    ("sans-serif", 14).into_font().color(&RED),
                )))
                .map_err(err)?;
            continue;
        }
        let Some(wall) = t.wall_ms else { continue };
        match &t.stages {
            Some(stages) => {
                let mut y = 0.0;
                for (stage, color) in STAGES.iter().zip(STAGE_COLORS) {
                    let h = stages.by_name(stage);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, y), (x1, y + h)],
                            color.filled(),
                        )))
                        .map_err(err)?;
                    y += h;
                }
                if wall > y {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, y), (x1, wall)],
                            STARTUP.filled(),
                        )))
                        .map_err(err)?;
                }
            }
            None => {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, wall)],
                        OTHER.filled(),
                    )))
                    .map_err(err)?;
            }
        }
        chart
            .draw_series(std::iter::once(Text::new(
                super::report::ms(Some(wall)),
                (x0, wall + top * 0.02),
                ("sans-serif", 13),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// Every measured ratio on a log scale, coloured by its target's verdict.
pub fn ratios(report: &Report, path: &Path) -> Result<(), String> {
    let rows: Vec<(String, f64, Option<f64>, Verdict)> = report
        .targets
        .iter()
        .filter_map(|t| Some((t.name.clone(), t.measured?, Some(t.limit), t.verdict)))
        .chain(super::targets::extra_ratios(report))
        .collect();
    let height = 90 + 34 * rows.len().max(1) as u32;
    let root = SVGBackend::new(path, (1200, height)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let low = rows
        .iter()
        .map(|r| r.1)
        .chain(rows.iter().filter_map(|r| r.2))
        .fold(1.0f64, f64::min)
        .max(1e-4)
        / 1.6;
    let high = rows
        .iter()
        .map(|r| r.1)
        .chain(rows.iter().filter_map(|r| r.2))
        .fold(1.0f64, f64::max)
        * 1.6;
    let n = rows.len() as f64;
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "apigen / peer or baseline (log scale; below 1 favours apigen; | = target)",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(470)
        .build_cartesian_2d((low..high).log_scale(), -0.5f64..n - 0.5)
        .map_err(err)?;
    let label_of = |y: &f64| -> String {
        let i = y.round();
        if (y - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        let k = rows.len() as f64 - 1.0 - i;
        names.get(k as usize).cloned().unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(rows.len() + 1)
        .y_label_formatter(&label_of)
        .x_labels(12)
        .x_label_formatter(&|v| {
            let text = format!("{v:.3}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .light_line_style(WHITE)
        .x_desc("ratio")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    for (k, (_, value, limit, verdict)) in rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        let color = match verdict {
            Verdict::Pass => PASS,
            Verdict::Fail => FAIL,
            Verdict::NotMeasured => OTHER,
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(low, y - 0.32), (*value, y + 0.32)],
                color.filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{value:.2}×"),
                (value.max(limit.unwrap_or(0.0)) * 1.06, y + 0.2),
                ("sans-serif", 13),
            )))
            .map_err(err)?;
        if let Some(limit) = limit {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*limit, y - 0.45), (*limit, y + 0.45)],
                    BLACK.stroke_width(3),
                )))
                .map_err(err)?;
        }
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(1.0, -0.5), (1.0, n - 0.5)],
            BLACK.stroke_width(1),
        )))
        .map_err(err)?;
    root.present().map_err(err)
}
