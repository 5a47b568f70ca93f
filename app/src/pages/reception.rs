//! 受付一覧: today's queue, refreshed every few seconds so every screen of the institution
//! sees the same; staff move patients along (a move based on an old state is refused).

use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::api::reception::{MoveReception, ReceptionEntry, ReceptionStatus};
use shared::domain::{Permission, Role};

/// Which rows of the day 受付一覧 shows: `?show=` in the address, so each role's landing page
/// is a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    All,
    /// 診察待ち and 診察中: the doctors' and nurses' list.
    Exam,
    /// 会計待ち.
    Payment,
    /// 終了 and 取消.
    Finished,
}

impl Rows {
    const ALL: [Rows; 4] = [Rows::All, Rows::Exam, Rows::Payment, Rows::Finished];

    fn code(self) -> &'static str {
        match self {
            Rows::All => "all",
            Rows::Exam => "exam",
            Rows::Payment => "payment",
            Rows::Finished => "finished",
        }
    }

    fn label_ja(self) -> &'static str {
        match self {
            Rows::All => "すべて",
            Rows::Exam => "診察待ち・診察中",
            Rows::Payment => "会計待ち",
            Rows::Finished => "終了・取消",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    fn shows(self, status: ReceptionStatus) -> bool {
        match self {
            Rows::All => true,
            Rows::Exam => matches!(
                status,
                ReceptionStatus::Waiting | ReceptionStatus::InConsultation
            ),
            Rows::Payment => status == ReceptionStatus::WaitingPayment,
            Rows::Finished => matches!(status, ReceptionStatus::Done | ReceptionStatus::Cancelled),
        }
    }
}

/// The screen a role starts on after signing in: the front desk on 受付一覧, doctors and
/// nurses on the patients waiting to be seen, administrators on the home page.
pub fn landing_path(role: Role) -> &'static str {
    match role {
        Role::Clerk => "/reception",
        Role::Doctor | Role::Nurse => "/reception?show=exam",
        Role::Admin => "/",
    }
}

/// How often the queue is fetched again.
const REFRESH_MS: u32 = 3_000;

#[component]
pub fn ReceptionPage() -> impl IntoView {
    let session = use_session();
    let queue = RwSignal::new(Vec::<ReceptionEntry>::new());
    let error = RwSignal::new(None::<String>);
    let query = use_query_map();
    let show = Memo::new(move |_| {
        query
            .with(|q| q.get("show").and_then(|s| Rows::from_code(&s)))
            .unwrap_or(Rows::All)
    });
    // The longest waiting to pay (the queue is in check-in order).
    let next_to_pay = Memo::new(move |_| {
        queue.with(|q| {
            q.iter()
                .find(|e| e.status == ReceptionStatus::WaitingPayment)
                .map(|e| e.reception_id)
        })
    });
    let navigate = use_navigate();
    let can = move |p: Permission| session.can(p);
    let load = move |background: bool| {
        spawn_local(async move {
            match crate::api::reception::queue(background).await {
                Ok(list) => {
                    queue.set(list);
                    error.set(None);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    };
    load(false);
    let handle = set_interval_with_handle(
        move || load(true),
        std::time::Duration::from_millis(REFRESH_MS.into()),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });

    let advance = move |entry: ReceptionEntry, to: ReceptionStatus, reason: String| {
        let csrf = session.csrf();
        let body = MoveReception {
            to,
            base_version: entry.version,
            reason,
        };
        spawn_local(async move {
            match crate::api::reception::move_to(&csrf, entry.reception_id, &body).await {
                Ok(list) => {
                    queue.set(list);
                    error.set(None);
                }
                Err(f) => {
                    session.check(&f);
                    let detail = f.first_message();
                    error.set(Some(detail));
                    load(false);
                }
            }
        });
    };

    view! {
        <h1>"受付一覧（本日）"</h1>
        <p class="filters">
            <label for="reception_show">"表示"</label>
            <select id="reception_show" data-testid="reception-show"
                on:change=move |ev| {
                    let code = event_target_value(&ev);
                    let path = if code == Rows::All.code() { "/reception".to_string() } else { format!("/reception?show={code}") };
                    navigate(&path, Default::default());
                }>
                {Rows::ALL.into_iter().map(|s| view! {
                    <option value=s.code() selected=move || show.get() == s>{s.label_ja()}</option>
                }).collect_view()}
            </select>
            " " <span data-testid="reception-count">{move || {
                let shown = queue.with(|q| q.iter().filter(|e| show.get().shows(e.status)).count());
                format!("{shown}件")
            }}</span>
        </p>
        <p class="form-error" role="alert" data-testid="reception-error">{move || error.get()}</p>
        <table class="patients" data-testid="reception-table">
            <thead><tr><th scope="col">"受付"</th><th scope="col">"患者"</th><th scope="col">"診療科・目的"</th>
                <th scope="col">"状態"</th><th scope="col">"操作"</th></tr></thead>
            <tbody>
                // Rows are kept as they are unless their entry changed (a refresh every few
                // seconds must not rebuild the row whose button has the keyboard focus).
                <For each=move || { let show = show.get(); queue.get().into_iter().filter(|e| show.shows(e.status)).collect::<Vec<_>>() }
                    key=|e| (e.reception_id, e.version, e.name.clone(), e.kana.clone(), e.patient_number.clone())
                    children=move |e| {
                    let next = e.status.next();
                    let for_next = e.clone();
                    let for_cancel = e.clone();
                    let cancellable = !matches!(e.status, ReceptionStatus::Done | ReceptionStatus::Cancelled);
                    let times = e.status_times.iter()
                        .map(|(s, t)| format!("{} {}", s.label_ja(), crate::format::jst(t).get(11..16).unwrap_or("")))
                        .collect::<Vec<_>>().join(" → ");
                    view! {
                        <tr data-testid=format!("reception-{}", e.patient_number)>
                            <td>{crate::format::jst(&e.checked_in_at).get(11..16).unwrap_or("").to_string()}</td>
                            // Doctors and nurses go to the chart, the front desk to the patient's page.
                            <td><A href=if can(Permission::ReadChart) { format!("/patients/{}/chart", e.patient_id) } else { format!("/patients/{}", e.patient_id) }>
                                {format!("{} {}（{}）", e.patient_number, e.name, e.kana)}</A></td>
                            <td>{format!("{} {}", e.department, e.purpose)}<br/><small>{e.memo.clone()}</small>
                                <br/><small data-testid="queue-coverage">{e.coverage_label.clone()}</small></td>
                            <td data-testid="reception-status"><strong>{e.status.label_ja()}</strong><br/><small>{times}</small>
                                {e.cancel_reason.clone().map(|r| view! { <br/><small>{format!("理由: {r}")}</small> })}</td>
                            <td class="actions">
                                {next.map(|to| view! {
                                    <button type="button" data-testid="reception-next"
                                        on:click=move |_| advance(for_next.clone(), to, String::new())>{format!("{}へ", to.label_ja())}</button>
                                })}
                                // 会計 is the front desk's (not the nurses').
                                <Show when=move || can(Permission::FrontDesk) && matches!(e.status, ReceptionStatus::WaitingPayment | ReceptionStatus::Done)>
                                    // The first patient waiting to pay has the cursor: Enter opens 会計.
                                    <A href=format!("/reception/{}/bill", e.reception_id) attr:class="button" attr:data-testid="reception-bill"
                                        attr:autofocus=move || (Some(e.reception_id) == next_to_pay.get()).then_some("")>"会計"</A>
                                </Show>
                                <Show when=move || cancellable>
                                    {
                                        let for_cancel = for_cancel.clone();
                                        view! {
                                            <button type="button" class="secondary" data-testid="reception-cancel"
                                                on:click=move |_| {
                                                    let reason = web_sys::window()
                                                        .and_then(|w| w.prompt_with_message("取消の理由").ok().flatten())
                                                        .unwrap_or_default();
                                                    if !reason.trim().is_empty() {
                                                        advance(for_cancel.clone(), ReceptionStatus::Cancelled, reason);
                                                    }
                                                }>"取消"</button>
                                        }
                                    }
                                </Show>
                            </td>
                        </tr>
                    }
                }/>
            </tbody>
        </table>
    }
}

/// The check-in form on a patient's page.
#[component]
pub fn CheckInForm(
    #[prop(into)] patient_id: Signal<shared::ids::PatientId>,
    /// Bumped when the patient's insurances or 公費 change.
    #[prop(into)]
    cards_changed: Signal<u32>,
) -> impl IntoView {
    let session = use_session();
    let department = RwSignal::new(String::from("内科"));
    // The cards valid today and the visit's 保険組合せ: the one last used for the 診療科, else
    // the 主保険 alone, until the clerk changes it.
    let cards = RwSignal::new(None::<shared::api::insurance::CoverageOn>);
    let coverage = RwSignal::new(shared::domain::coverage::Coverage::default());
    Effect::new(move |_| {
        let _ = cards_changed.get();
        let id = patient_id.get();
        spawn_local(async move {
            match crate::api::patients::coverage(id, "").await {
                Ok(c) => cards.set(Some(c)),
                Err(f) => session.check(&f),
            }
        });
    });
    Effect::new(move |_| {
        let department = department.get();
        cards.with(|c| {
            if let Some(c) = c {
                let last = c
                    .last_used
                    .iter()
                    .find(|l| l.department == department.trim())
                    .map(|l| &l.coverage);
                coverage.set(shared::domain::coverage::default_coverage(
                    &c.insurances,
                    &c.public_payments,
                    last,
                ));
            }
        });
    });
    let purpose = RwSignal::new(String::new());
    let memo = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    // Set when the server says the patient is already checked in today: the clerk opens the
    // existing entry or confirms another reception.
    let duplicate = RwSignal::new(false);
    let send = move |again: bool| {
        let body = shared::api::reception::CheckIn {
            patient_id: patient_id.get_untracked().to_string(),
            department: department.get_untracked(),
            purpose: purpose.get_untracked(),
            memo: memo.get_untracked(),
            again,
            coverage: Some(coverage.get_untracked()).filter(|c| !c.is_empty()),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::reception::check_in(&csrf, &body).await {
                Ok(_) => {
                    duplicate.set(false);
                    message.set(Some("受付しました".into()));
                }
                Err(f) => {
                    session.check(&f);
                    duplicate.set(f.fields().iter().any(|e| e.code == "already_checked_in"));
                    message.set(Some(f.first_message()));
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(false);
    };
    view! {
        <form class="inline-form" data-testid="check-in-form" data-enter="next" on:submit=submit>
            <h2>"受付"</h2>
            <crate::components::field::TextField id="checkin_department" label="診療科" value=department list="departments"/>
            // 別表10's names: a 診療科 named as in the table goes into the claim (RE 診療科).
            <datalist id="departments">
                {shared::claims::codes::DEPARTMENTS.iter().map(|(_, n)| view! { <option value=*n></option> }).collect_view()}
            </datalist>
            <crate::components::field::TextField id="checkin_purpose" label="来院目的" value=purpose/>
            <crate::components::field::TextField id="checkin_memo" label="メモ" value=memo/>
            <crate::components::coverage::CoverageChooser cards=cards chosen=coverage id="checkin"/>
            <button type="submit" data-testid="check-in" data-key="F12">"受付する（F12）"</button>
            <p role="status" data-testid="check-in-result">{move || message.get()}</p>
            <Show when=move || duplicate.get()>
                <p class="notice" data-testid="check-in-duplicate">
                    <a href="/reception" data-testid="check-in-existing">"受付一覧で本日の受付を開く"</a>
                    " "
                    <button type="button" class="secondary" data-testid="check-in-again"
                        on:click=move |_| send(true)>"別の診療科・同日再診として受付する"</button>
                </p>
            </Show>
        </form>
    }
}
