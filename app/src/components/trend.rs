//! Charts drawn as SVG in the browser: the 温度板 (temperature, pulse and blood pressure over
//! days) and a lab item's trend with its reference range. Props in, no API calls. Each point
//! carries a `<title>` with its exact value; the tables beside the charts show every value.

use leptos::prelude::*;
use shared::api::chart::{LabRecord, VitalRecord};
use shared::domain::chart::{day_number, format_tenths, instant_days as instant_number};
use shared::domain::japanese::parse_date;
use time::Date;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 48.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// Maps days to x and values to y inside the plot area.
#[derive(Clone, Copy)]
struct Frame {
    from: f64,
    to: f64,
}

impl Frame {
    fn x(&self, day: f64) -> f64 {
        let span = (self.to - self.from).max(1.0);
        LEFT + (day - self.from) / span * (WIDTH - LEFT - RIGHT)
    }

    fn y(value: f64, (lo, hi): (f64, f64)) -> f64 {
        let t = ((value - lo) / (hi - lo)).clamp(-0.02, 1.02);
        HEIGHT - BOTTOM - t * (HEIGHT - TOP - BOTTOM)
    }

    /// Date labels along the bottom: about eight, on whole days.
    fn ticks(&self) -> Vec<(f64, String)> {
        let days = (self.to - self.from).max(1.0);
        let step = (days / 8.0).ceil().max(1.0);
        let mut out = Vec::new();
        let mut d = self.from.floor();
        while d <= self.to {
            if let Ok(date) = Date::from_julian_day(d as i32) {
                out.push((
                    self.x(d),
                    format!("{}/{}", u8::from(date.month()), date.day()),
                ));
            }
            d += step;
        }
        out
    }
}

fn path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(&format!("{}{x:.1},{y:.1} ", if i == 0 { 'M' } else { 'L' }));
    }
    d
}

fn axis_labels(range: (f64, f64), steps: usize, x: f64, anchor: &'static str) -> impl IntoView {
    (0..=steps)
        .map(|i| {
            let v = range.0 + (range.1 - range.0) * i as f64 / steps as f64;
            let y = Frame::y(v, range);
            view! { <text x=format!("{x:.1}") y=format!("{:.1}", y + 4.0) text-anchor=anchor class="axis-label">{format!("{v:.0}")}</text> }
        })
        .collect_view()
}

fn grid(frame: Frame) -> impl IntoView {
    let ticks = frame.ticks();
    view! {
        <rect x=LEFT y=TOP width=WIDTH - LEFT - RIGHT height=HEIGHT - TOP - BOTTOM class="plot-area"/>
        {ticks.into_iter().map(|(x, label)| view! {
            <line x1=format!("{x:.1}") x2=format!("{x:.1}") y1=TOP y2=HEIGHT - BOTTOM class="grid"/>
            <text x=format!("{x:.1}") y=HEIGHT - BOTTOM + 16.0 text-anchor="middle" class="axis-label">{label}</text>
        }).collect_view()}
    }
}

/// 温度板: 体温 (℃, left axis 34–42), 脈拍 and 血圧 (right axis 0–200) over `from..=to`.
#[component]
pub fn TemperatureSheet(
    #[prop(into)] vitals: Signal<Vec<VitalRecord>>,
    #[prop(into)] from: Signal<Date>,
    #[prop(into)] to: Signal<Date>,
) -> impl IntoView {
    const T: (f64, f64) = (34.0, 42.0);
    const R: (f64, f64) = (0.0, 200.0);
    move || {
        let frame = Frame {
            from: day_number(from.get()),
            to: day_number(to.get()) + 1.0,
        };
        let rows: Vec<(f64, VitalRecord)> = vitals
            .get()
            .into_iter()
            .filter_map(|v| instant_number(&v.measured_at).map(|x| (x, v)))
            .filter(|(x, _)| *x >= frame.from && *x <= frame.to)
            .collect();
        let temps: Vec<(f64, f64, String)> = rows
            .iter()
            .filter_map(|(x, v)| {
                v.values.temperature_x10.map(|t| {
                    (
                        frame.x(*x),
                        Frame::y(f64::from(t) / 10.0, T),
                        format!(
                            "{} 体温 {}℃",
                            v.measured_at.replace('T', " "),
                            format_tenths(t)
                        ),
                    )
                })
            })
            .collect();
        let pulses: Vec<(f64, f64, String)> = rows
            .iter()
            .filter_map(|(x, v)| {
                v.values.pulse.map(|p| {
                    (
                        frame.x(*x),
                        Frame::y(f64::from(p), R),
                        format!("{} 脈拍 {p}/分", v.measured_at.replace('T', " ")),
                    )
                })
            })
            .collect();
        let pressures: Vec<(f64, f64, f64, String)> = rows
            .iter()
            .filter_map(|(x, v)| match (v.values.systolic, v.values.diastolic) {
                (Some(s), Some(d)) => Some((
                    frame.x(*x),
                    Frame::y(f64::from(s), R),
                    Frame::y(f64::from(d), R),
                    format!("{} 血圧 {s}/{d}", v.measured_at.replace('T', " ")),
                )),
                _ => None,
            })
            .collect();
        let t_line = path(&temps.iter().map(|(x, y, _)| (*x, *y)).collect::<Vec<_>>());
        let p_line = path(&pulses.iter().map(|(x, y, _)| (*x, *y)).collect::<Vec<_>>());
        let fever = Frame::y(37.5, T);
        let count = temps.len() + pulses.len() + pressures.len();
        view! {
            <svg class="trend temperature-sheet" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-label="温度板（体温・脈拍・血圧）" data-testid="temperature-sheet"
                data-points=count>
                {grid(frame)}
                <line x1=LEFT x2=WIDTH - RIGHT y1=fever y2=fever class="threshold"/>
                {axis_labels(T, 8, LEFT - 6.0, "end")}
                {axis_labels(R, 4, WIDTH - RIGHT + 6.0, "start")}
                <text x=4 y=12 class="axis-title temp">"℃"</text>
                <text x=WIDTH - 44.0 y=12 class="axis-title">"P・BP"</text>
                {pressures.into_iter().map(|(x, ys, yd, title)| view! {
                    <line x1=format!("{x:.1}") x2=format!("{x:.1}") y1=format!("{ys:.1}") y2=format!("{yd:.1}") class="bp" data-testid="bp-bar"><title>{title}</title></line>
                }).collect_view()}
                <path d=p_line class="series pulse"/>
                {pulses.into_iter().map(|(x, y, title)| view! {
                    <rect x=format!("{:.1}", x - 3.0) y=format!("{:.1}", y - 3.0) width=6 height=6 class="point pulse" data-testid="pulse-point"><title>{title}</title></rect>
                }).collect_view()}
                <path d=t_line class="series temp"/>
                {temps.into_iter().map(|(x, y, title)| view! {
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r=4 class="point temp" data-testid="temp-point"><title>{title}</title></circle>
                }).collect_view()}
            </svg>
            <p class="legend"><span class="key temp">"● 体温"</span><span class="key pulse">"■ 脈拍"</span><span class="key bp">"│ 血圧（収縮期〜拡張期）"</span></p>
        }
    }
}

/// One lab item's results over `from..=to`, with the reference range shaded.
#[component]
pub fn LabTrend(
    #[prop(into)] results: Signal<Vec<LabRecord>>,
    #[prop(into)] from: Signal<Date>,
    #[prop(into)] to: Signal<Date>,
) -> impl IntoView {
    move || {
        let frame = Frame {
            from: day_number(from.get()),
            to: day_number(to.get()) + 1.0,
        };
        let rows: Vec<(f64, f64, LabRecord)> = results
            .get()
            .into_iter()
            .filter_map(|r| {
                let day = day_number(parse_date(&r.collected_on)?) + 0.5;
                Some((day, r.numeric_value?, r))
            })
            .filter(|(x, _, _)| *x >= frame.from && *x <= frame.to)
            .collect();
        let reference = rows
            .last()
            .map(|(_, _, r)| (r.reference_low, r.reference_high))
            .unwrap_or((None, None));
        let unit = rows
            .last()
            .map(|(_, _, r)| r.unit.clone())
            .unwrap_or_default();
        // The value axis covers the results and the reference range, with a margin.
        let mut lo = rows
            .iter()
            .map(|(_, v, _)| *v)
            .fold(f64::INFINITY, f64::min);
        let mut hi = rows
            .iter()
            .map(|(_, v, _)| *v)
            .fold(f64::NEG_INFINITY, f64::max);
        for b in [reference.0, reference.1].into_iter().flatten() {
            lo = lo.min(b);
            hi = hi.max(b);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let margin = ((hi - lo) * 0.15).max(hi.abs() * 0.05).max(0.1);
        let range = (lo - margin, hi + margin);
        let points: Vec<(f64, f64, String, bool)> = rows
            .iter()
            .map(|(x, v, r)| {
                (
                    frame.x(*x),
                    Frame::y(*v, range),
                    format!(
                        "{} {} {}{}{}",
                        r.collected_on,
                        r.item_name,
                        r.value,
                        r.unit,
                        r.flag
                            .as_deref()
                            .map(|f| format!(" {f}"))
                            .unwrap_or_default()
                    ),
                    r.flag.is_some(),
                )
            })
            .collect();
        let line = path(
            &points
                .iter()
                .map(|(x, y, _, _)| (*x, *y))
                .collect::<Vec<_>>(),
        );
        let count = points.len();
        let band = match reference {
            (Some(l), Some(h)) => {
                let (y1, y2) = (Frame::y(h, range), Frame::y(l, range));
                Some(
                    view! { <rect x=LEFT y=format!("{y1:.1}") width=WIDTH - LEFT - RIGHT height=format!("{:.1}", (y2 - y1).max(0.0)) class="reference-band"/> },
                )
            }
            _ => None,
        };
        view! {
            <svg class="trend lab-trend" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label="検査値の推移"
                data-testid="lab-trend" data-points=count>
                {grid(frame)}
                {band}
                {axis_labels(range, 4, LEFT - 6.0, "end")}
                <text x=4 y=12 class="axis-title">{unit}</text>
                <path d=line class="series lab"/>
                {points.into_iter().map(|(x, y, title, flagged)| view! {
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r=4 class="point lab" class:flagged=flagged data-testid="lab-point"><title>{title}</title></circle>
                }).collect_view()}
            </svg>
        }
    }
}
