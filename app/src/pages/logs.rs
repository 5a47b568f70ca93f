//! ログ閲覧: administrators search the access log and the audit log of their institution,
//! page through them, export what they found (CSV for Excel, JSON, FHIR AuditEvent), and
//! verify the hash chains. Per patient: filter the access log by 患者番号, カナ or name ("who
//! opened this chart"); patients and users are named, never shown as bare UUIDs.

use crate::api::ApiFailure;
use crate::format::jst;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::logs::{
    action_label_ja, AccessLogEntry, AuditLogEntry, ChainStatus, LogPage, PatientLabel,
};
use shared::api::users::UserSummary;
use shared::domain::Permission;
use shared::ids::{PatientId, UserId};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Access,
    Audit,
}

const ACTIONS: [&str; 10] = [
    "login",
    "logout",
    "password_change",
    "password_reset",
    "user_create",
    "user_disable",
    "user_enable",
    "institution_provision",
    "log_export",
    "log_verify",
];

#[component]
pub fn LogsPage() -> impl IntoView {
    let session = use_session();
    let allowed = move || session.can(Permission::ViewLogs);
    view! {
        <h1>"ログ閲覧"</h1>
        <Show when=allowed fallback=|| view! { <p class="form-error" role="alert">"この画面を開く権限がありません"</p> }>
            <LogsViewer/>
        </Show>
    }
}

#[component]
fn LogsViewer() -> impl IntoView {
    let session = use_session();
    let tab = RwSignal::new(Tab::Audit);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let patient = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let users = RwSignal::new(HashMap::<UserId, UserSummary>::new());
    let patients = RwSignal::new(HashMap::<PatientId, PatientLabel>::new());
    let access_rows = RwSignal::new(Vec::<AccessLogEntry>::new());
    let audit_rows = RwSignal::new(Vec::<AuditLogEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let chains = RwSignal::new(None::<Vec<ChainStatus>>);

    spawn_local(async move {
        if let Ok(list) = crate::api::users::list().await {
            users.set(list.into_iter().map(|u| (u.user_id, u)).collect());
        }
    });

    let filters = move || {
        let mut pairs = vec![
            ("from", from.get()),
            ("to", to.get()),
            ("user_id", user.get()),
        ];
        match tab.get() {
            Tab::Access => {
                // A UUID (from a link) names one patient; anything else is searched.
                let typed = patient.get();
                if typed.trim().parse::<PatientId>().is_ok() {
                    pairs.push(("patient_id", typed));
                } else {
                    pairs.push(("patient", typed));
                }
                pairs.push(("outcome", outcome.get()));
            }
            Tab::Audit => {
                pairs.push(("action", action.get()));
                pairs.push(("result", outcome.get()));
            }
        }
        crate::api::logs::query(&pairs)
    };

    let fail = move |failure: ApiFailure| {
        session.check(&failure);
        let detail = failure
            .fields()
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" / ");
        error.set(Some(if detail.is_empty() {
            failure.message()
        } else {
            detail
        }));
    };

    // Loads the first page (more = false) or the next one.
    let load = move |more: bool| {
        let base = untrack(filters);
        let before = if more { next.get_untracked() } else { None };
        let query = match before {
            Some(b) => format!("{base}&limit=50&before_seq={b}"),
            None => format!("{base}&limit=50"),
        };
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            match tab.get_untracked() {
                Tab::Access => match crate::api::logs::access(&query).await {
                    Ok(LogPage {
                        entries,
                        next_before_seq,
                        patients: named,
                    }) => {
                        patients.update(|p| p.extend(named.into_iter().map(|l| (l.patient_id, l))));
                        access_rows.update(|rows| {
                            if !more {
                                rows.clear();
                            }
                            rows.extend(entries);
                        });
                        next.set(next_before_seq);
                    }
                    Err(f) => fail(f),
                },
                Tab::Audit => match crate::api::logs::audit(&query).await {
                    Ok(LogPage {
                        entries,
                        next_before_seq,
                        patients: named,
                    }) => {
                        patients.update(|p| p.extend(named.into_iter().map(|l| (l.patient_id, l))));
                        audit_rows.update(|rows| {
                            if !more {
                                rows.clear();
                            }
                            rows.extend(entries);
                        });
                        next.set(next_before_seq);
                    }
                    Err(f) => fail(f),
                },
            }
            loading.set(false);
        });
    };
    load(false);

    let switch = move |t: Tab| {
        tab.set(t);
        outcome.set(String::new());
        load(false);
    };
    let verify = move |_| {
        chains.set(None);
        spawn_local(async move {
            match crate::api::logs::verify().await {
                Ok(list) => chains.set(Some(list)),
                Err(f) => fail(f),
            }
        });
    };
    let who = move |id: &Option<UserId>| -> String {
        match id {
            None => "—".into(),
            Some(id) => users
                .with(|u| {
                    u.get(id)
                        .map(|u| format!("{}（{}）", u.display_name, u.login_id))
                })
                .unwrap_or_else(|| id.to_string()),
        }
    };
    // A patient as 患者番号 氏名（カナ）; the UUID only when the patient is not known here.
    let patient_label = move |id: PatientId| -> String {
        patients
            .with(|p| {
                p.get(&id)
                    .map(|l| format!("{} {}（{}）", l.patient_number, l.name, l.kana))
            })
            .unwrap_or_else(|| id.to_string())
    };
    let log_code = move || {
        if tab.get() == Tab::Access {
            "access"
        } else {
            "audit"
        }
    };

    view! {
        <div class="tabs" role="tablist">
            <button type="button" role="tab" data-testid="tab-audit" aria-selected=move || (tab.get() == Tab::Audit).to_string()
                on:click=move |_| switch(Tab::Audit)>"監査ログ"</button>
            <button type="button" role="tab" data-testid="tab-access" aria-selected=move || (tab.get() == Tab::Access).to_string()
                on:click=move |_| switch(Tab::Access)>"アクセスログ"</button>
        </div>
        <form class="inline-form filters" data-testid="log-filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(false); }>
            <div class="field"><label for="log_from">"期間（から）"</label>
                <input id="log_from" type="date" data-testid="log_from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></div>
            <div class="field"><label for="log_to">"期間（まで）"</label>
                <input id="log_to" type="date" data-testid="log_to" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></div>
            <div class="field"><label for="log_user">"利用者"</label>
                <select id="log_user" data-testid="log_user" on:change=move |ev| user.set(event_target_value(&ev))>
                    <option value="">"すべて"</option>
                    {move || users.get().into_values().map(|u| view! {
                        <option value=u.user_id.to_string()>{format!("{}（{}）", u.display_name, u.login_id)}</option>
                    }).collect_view()}
                </select></div>
            <Show when=move || tab.get() == Tab::Audit>
                <div class="field"><label for="log_action">"操作"</label>
                    <select id="log_action" data-testid="log_action" on:change=move |ev| action.set(event_target_value(&ev))>
                        <option value="">"すべて"</option>
                        {ACTIONS.iter().map(|a| view! { <option value=*a>{action_label_ja(a)}</option> }).collect_view()}
                    </select></div>
            </Show>
            <Show when=move || tab.get() == Tab::Access>
                <div class="field"><label for="log_patient">"患者（番号・カナ・氏名）"</label>
                    <input id="log_patient" data-testid="log_patient" prop:value=move || patient.get() on:input=move |ev| patient.set(event_target_value(&ev))/></div>
            </Show>
            <div class="field"><label for="log_outcome">"結果"</label>
                <select id="log_outcome" data-testid="log_outcome" on:change=move |ev| outcome.set(event_target_value(&ev))>
                    <option value="" selected=move || outcome.get().is_empty()>"すべて"</option>
                    <option value="success">"成功"</option>
                    <option value="failure">"失敗"</option>
                </select></div>
            <button type="submit" data-testid="log-search">"検索"</button>
        </form>
        <div class="export-links">
            "出力："
            <a data-testid="export-csv" download="" on:click=|_| crate::idle::touch() href=move || crate::api::logs::export_url(log_code(), "csv", &filters())>"CSV（Excel）"</a>
            <a data-testid="export-json" download="" on:click=|_| crate::idle::touch() href=move || crate::api::logs::export_url(log_code(), "json", &filters())>"JSON"</a>
            <a data-testid="export-fhir" download="" on:click=|_| crate::idle::touch() href=move || crate::api::logs::export_url(log_code(), "fhir", &filters())>"FHIR AuditEvent"</a>
            <button type="button" class="secondary" data-testid="verify-logs" on:click=verify>"改ざん検証"</button>
        </div>
        {move || chains.get().map(|list| view! {
            <ul class="chains" data-testid="chain-status" role="status">
                {list.into_iter().map(|c| {
                    let name = if c.log == "access" { "アクセスログ" } else { "監査ログ" };
                    let text = if c.ok { format!("{name}: 正常（{}件）", c.rows) } else {
                        format!("{name}: 連番{}で異常 — {}", c.broken_at_seq.unwrap_or(0), c.message.clone().unwrap_or_default())
                    };
                    view! { <li class:bad={!c.ok}>{text}</li> }
                }).collect_view()}
            </ul>
        })}
        <p class="form-error" role="alert" data-testid="log-error">{move || error.get()}</p>
        {move || match tab.get() {
            Tab::Audit => view! {
                <table class="logs" data-testid="audit-table">
                    <thead><tr><th scope="col">"日時"</th><th scope="col">"操作者"</th><th scope="col">"操作"</th>
                        <th scope="col">"結果"</th><th scope="col">"対象"</th><th scope="col">"接続元"</th><th scope="col">"詳細"</th></tr></thead>
                    <tbody>
                        {move || audit_rows.get().into_iter().map(|e| view! {
                            <tr data-testid="audit-row" class:bad={e.result != "success"}>
                                <td>{jst(&e.logged_at)}</td>
                                <td>{who(&e.actor_user_id)}</td>
                                <td>{action_label_ja(&e.action)}</td>
                                <td>{if e.result == "success" { "成功" } else { "失敗" }}</td>
                                <td>{match (&e.target_type, &e.target_id) {
                                    (Some(t), Some(id)) if t == "user" => match id.parse::<UserId>() {
                                        Ok(user) => who(&Some(user)),
                                        Err(_) => format!("{t} {id}"),
                                    },
                                    (Some(t), Some(id)) if t == "patient" => match id.parse::<PatientId>() {
                                        Ok(p) => format!("患者 {}", patient_label(p)),
                                        Err(_) => format!("{t} {id}"),
                                    },
                                    (Some(t), Some(id)) => format!("{t} {id}"),
                                    _ => "—".into(),
                                }}</td>
                                <td>{e.client_ip.clone().unwrap_or_default()}</td>
                                <td class="details">{details_ja(&e.details)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
            Tab::Access => view! {
                <table class="logs" data-testid="access-table">
                    <thead><tr><th scope="col">"日時"</th><th scope="col">"利用者"</th><th scope="col">"操作"</th>
                        <th scope="col">"患者"</th><th scope="col">"結果"</th><th scope="col">"接続元"</th><th scope="col">"時間"</th></tr></thead>
                    <tbody>
                        {move || access_rows.get().into_iter().map(|e| view! {
                            <tr data-testid="access-row" class:bad={e.status >= 400}>
                                <td>{jst(&e.logged_at)}</td>
                                <td>{who(&e.user_id)}</td>
                                <td><code>{format!("{} {}", e.method, e.route)}</code></td>
                                <td data-testid="access-patient">{e.patient_id.map(patient_label).unwrap_or_default()}</td>
                                <td>{e.status}</td>
                                <td>{e.client_ip.clone().unwrap_or_default()}</td>
                                <td>{format!("{} ms", e.duration_ms)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        <Show when=move || next.get().is_some()>
            <button type="button" class="secondary" data-testid="log-more" disabled=move || loading.get()
                on:click=move |_| load(true)>"さらに表示"</button>
        </Show>
    }
}

/// An audit entry's details in words: the reason of a refused sign-in first, then the rest.
fn details_ja(details: &serde_json::Value) -> String {
    let Some(map) = details.as_object().filter(|m| !m.is_empty()) else {
        return String::new();
    };
    let reason = map.get("reason").and_then(|r| r.as_str()).map(|r| match r {
        "wrong_password" => "パスワード誤り",
        "unknown_user" => "存在しない利用者ID（入力された文字は記録しません）",
        "disabled" => "無効化された利用者",
        "throttled" => "試行回数の制限中",
        "wrong_current_password" => "現在のパスワード誤り",
        "device_not_registered" => "未登録の端末",
        _ => r,
    });
    let rest: serde_json::Map<String, serde_json::Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "reason")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match (reason, rest.is_empty()) {
        (Some(r), true) => r.to_string(),
        (Some(r), false) => format!("{r} {}", serde_json::Value::Object(rest)),
        (None, _) => serde_json::Value::Object(rest).to_string(),
    }
}
