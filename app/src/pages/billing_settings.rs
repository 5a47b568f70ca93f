//! 算定設定 (administrators): 診療所 or 病院, 一般病床数, 院内/院外処方 and the registered 施設基準,
//! each change a new version valid from a date. Every version stays listed.

use crate::components::field::TextField;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::billing::{BillingSettings, BillingSettingsInput, InstitutionType};
use shared::billing::FacilityStandards;

/// The 施設基準 an institution may register, with their labels.
const STANDARDS: &[(&str, &str)] = &[
    ("detailed_statement", "明細書発行体制等加算（診療所）"),
    ("function_enhancement", "機能強化加算"),
    ("infection_control", "外来感染対策向上加算"),
    (
        "online_qualification",
        "医療情報取得加算（オンライン資格確認）",
    ),
    ("lab_management_1", "検体検査管理加算（Ⅰ）"),
    ("base_up", "外来・在宅ベースアップ評価料（Ⅰ）"),
    ("pharmacist_full_time", "薬剤師が常勤（調剤技術基本料）"),
    ("pediatrics", "小児科を標榜（乳幼児の夜間の特例）"),
    (
        "night_emergency",
        "夜間救急を専ら担う医療機関（時間外特例医療機関加算）",
    ),
];

/// 医療DX推進体制整備加算's 区分, numbered and with the points as from 2025-04-01 (the engine
/// prices earlier visits with the code and points of the same requirements then; the legend
/// under the select says so).
const DX_TIER_LABELS: &[(u8, &str)] = &[
    (0, "届出なし"),
    (1, "加算１（12点）"),
    (2, "加算２（11点）"),
    (3, "加算３（10点）"),
    (4, "加算４（10点）"),
    (5, "加算５（9点）"),
    (6, "加算６（8点）"),
];

fn flag<'a>(s: &'a mut FacilityStandards, key: &str) -> Option<&'a mut bool> {
    Some(match key {
        "detailed_statement" => &mut s.detailed_statement,
        "function_enhancement" => &mut s.function_enhancement,
        "infection_control" => &mut s.infection_control,
        "online_qualification" => &mut s.online_qualification,
        "night_emergency" => &mut s.night_emergency,
        "pediatrics" => &mut s.pediatrics,
        "lab_management_1" => &mut s.lab_management_1,
        "base_up" => &mut s.base_up,
        "pharmacist_full_time" => &mut s.pharmacist_full_time,
        _ => return None,
    })
}

fn registered(s: &FacilityStandards) -> String {
    let mut copy = *s;
    let mut names: Vec<String> = STANDARDS
        .iter()
        .filter(|(key, _)| flag(&mut copy, key).is_some_and(|f| *f))
        .map(|(_, label)| label.to_string())
        .collect();
    if let Some((_, label)) = DX_TIER_LABELS
        .iter()
        .find(|(n, _)| *n == s.medical_dx && *n > 0)
    {
        names.push(format!("医療DX推進体制整備加算 {label}"));
    }
    if names.is_empty() {
        "なし".into()
    } else {
        names.join("、")
    }
}

#[component]
pub fn BillingSettingsPage() -> impl IntoView {
    let session = use_session();
    let versions = RwSignal::new(Vec::<BillingSettings>::new());
    let kind = RwSignal::new(InstitutionType::Clinic);
    let beds = RwSignal::new(String::from("0"));
    let in_house = RwSignal::new(false);
    let standards = RwSignal::new(FacilityStandards::default());
    let valid_from = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let saved = RwSignal::new(false);
    let error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
        })
    };
    let load = move || {
        spawn_local(async move {
            match crate::api::billing::settings().await {
                Ok(list) => {
                    if let Some(current) = list.first() {
                        kind.set(current.institution_type);
                        beds.set(current.general_beds.to_string());
                        in_house.set(current.in_house_dispensing);
                        standards.set(current.standards);
                    }
                    versions.set(list);
                }
                Err(f) => session.check(&f),
            }
        });
    };
    load();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let body = BillingSettingsInput {
            base_version: versions.with_untracked(|v| v.first().map_or(0, |s| s.version)),
            valid_from: valid_from.get_untracked(),
            institution_type: kind.get_untracked(),
            general_beds: beds.get_untracked().trim().parse().unwrap_or(u32::MAX),
            in_house_dispensing: in_house.get_untracked(),
            standards: standards.get_untracked(),
            reason: reason.get_untracked(),
        };
        if let Err(fields) = body.validate() {
            errors.set(fields.into_iter().map(|f| (f.field, f.message)).collect());
            return;
        }
        errors.set(Vec::new());
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::billing::write_settings(&csrf, &body).await {
                Ok(_) => {
                    saved.set(true);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    errors.set(f.form_errors());
                    load();
                }
            }
        });
    };
    view! {
        <h1>"算定設定"</h1>
        <p>"会計の計算に使う医療機関の情報です。変更は適用開始日からの新しい版として記録され、それ以前の会計には前の版が使われます。"</p>
        <form class="wide" data-testid="billing-settings-form" on:submit=submit novalidate>
            <fieldset>
                <legend>"医療機関の種類"</legend>
                <label><input type="radio" name="institution_type" data-testid="type-clinic"
                    prop:checked=move || kind.get() == InstitutionType::Clinic
                    on:change=move |_| kind.set(InstitutionType::Clinic)/>"診療所"</label>
                <label><input type="radio" name="institution_type" data-testid="type-hospital"
                    prop:checked=move || kind.get() == InstitutionType::Hospital
                    on:change=move |_| kind.set(InstitutionType::Hospital)/>"病院"</label>
            </fieldset>
            <TextField id="general_beds" label="一般病床数（200床以上の病院は外来診療料）" value=beds inputmode="numeric" error=error("general_beds")/>
            <label><input type="checkbox" data-testid="in-house"
                prop:checked=move || in_house.get()
                on:change=move |ev| in_house.set(event_target_checked(&ev))/>"院内処方（既定）"</label>
            <fieldset>
                <legend>"届出済みの施設基準など"</legend>
                {STANDARDS.iter().map(|(key, label)| {
                    let key = *key;
                    view! {
                        <label class="block"><input type="checkbox" data-testid=format!("standard-{key}")
                            prop:checked=move || { let mut s = standards.get(); flag(&mut s, key).is_some_and(|f| *f) }
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                standards.update(|s| if let Some(f) = flag(s, key) { *f = on });
                            }/>{*label}</label>
                    }
                }).collect_view()}
                <label class="block">"医療DX推進体制整備加算 "
                    <select data-testid="standard-medical_dx"
                        on:change=move |ev| {
                            let tier = event_target_value(&ev).parse().unwrap_or(0);
                            standards.update(|s| s.medical_dx = tier);
                        }>
                        {DX_TIER_LABELS.iter().map(|(n, label)| {
                            let n = *n;
                            view! {
                                <option value=n.to_string()
                                    prop:selected=move || standards.with(|s| s.medical_dx == n)>{*label}</option>
                            }
                        }).collect_view()}
                    </select>
                    <small class="hint">"区分と点数は2025年4月以降のもの。それより前の診療日は、その時点の同じ要件の区分で算定します"</small>
                </label>
                <p class="field-error" role="alert">{move || error("standards").get()}</p>
            </fieldset>
            <TextField id="settings_valid_from" label="適用開始日（YYYY-MM-DD）" value=valid_from error=error("valid_from")/>
            <TextField id="settings_reason" label="変更理由" value=reason/>
            <p class="form-error" role="alert">{move || error("form").get().or_else(|| error("base_version").get())}</p>
            <button type="submit" data-testid="save-billing-settings">"新しい版として保存"</button>
            <Show when=move || saved.get()>
                <p class="success" role="status" data-testid="billing-settings-saved">"保存しました"</p>
            </Show>
        </form>
        <InstitutionContact/>
        <h2>"版の履歴"</h2>
        <table class="patients" data-testid="billing-settings-versions">
            <thead><tr><th scope="col">"版"</th><th scope="col">"適用開始日"</th><th scope="col">"種類・病床"</th>
                <th scope="col">"処方"</th><th scope="col">"施設基準など"</th><th scope="col">"記録"</th></tr></thead>
            <tbody>
                {move || versions.get().into_iter().map(|v| view! {
                    <tr>
                        <td>{format!("第{}版", v.version)}</td>
                        <td>{v.valid_from.clone()}</td>
                        <td>{format!("{} {}床", v.institution_type.label_ja(), v.general_beds)}</td>
                        <td>{if v.in_house_dispensing { "院内" } else { "院外" }}</td>
                        <td>{registered(&v.standards)}</td>
                        <td>{format!("{} {} {}", crate::format::jst_minute(&v.created_at), v.author.clone().unwrap_or_default(), v.reason)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// 所在地・電話番号 as the 処方箋 prints them (versions; the newest is in force).
#[component]
fn InstitutionContact() -> impl IntoView {
    let session = use_session();
    let version = RwSignal::new(0);
    let postal_code = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let show = move |p: shared::api::billing::InstitutionProfile| {
        version.set(p.version);
        postal_code.set(p.postal_code);
        address.set(p.address);
        phone.set(p.phone);
        reason.set(String::new());
    };
    spawn_local(async move {
        if let Ok(p) = crate::api::billing::profile().await {
            show(p);
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = shared::api::billing::InstitutionProfileInput {
            base_version: version.get_untracked(),
            postal_code: postal_code.get_untracked(),
            address: address.get_untracked(),
            phone: phone.get_untracked(),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::billing::write_profile(&csrf, &body).await {
                Ok(p) => {
                    message.set(Some(format!("第{}版として保存しました", p.version)));
                    show(p);
                }
                Err(f) => {
                    session.check(&f);
                    message.set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <h2>"所在地・電話番号（処方箋に印刷）"</h2>
        <form class="inline-form" data-testid="institution-contact" on:submit=save>
            <TextField id="institution_postal_code" label="郵便番号" value=postal_code/>
            <TextField id="institution_address" label="所在地（50文字以内）" value=address/>
            <TextField id="institution_phone" label="電話番号" value=phone/>
            <Show when=move || { version.get() > 0 }>
                <TextField id="institution_reason" label="変更理由" value=reason/>
            </Show>
            <button type="submit" data-testid="save-institution-contact">"保存"</button>
            <p role="status" data-testid="institution-contact-message">{move || message.get()}</p>
        </form>
    }
}
