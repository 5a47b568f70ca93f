//! The application shell: header with the institution and user, navigation for the user's
//! role, the patient banner's place, the page, and the version footer. Signed-out users are
//! sent to the login page; users with a one-time password to the password page.

use crate::components::reauth::ReauthDialog;
use crate::components::version::VersionFooter;
use crate::state::{use_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate};
use shared::api::auth::SessionStage;
use shared::domain::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Loading,
    Login,
    Password,
    Enrol,
    Open,
}

#[component]
pub fn Shell() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // A memo, so the layout is rebuilt only when the gate changes, not on every navigation.
    let gate = Memo::new(move |_| match session.0.get() {
        SessionState::Loading => Gate::Loading,
        SessionState::SignedOut { .. } => Gate::Login,
        // The second factor is asked on the sign-in page.
        SessionState::SignedIn(info) if info.stage == SessionStage::SecondFactor => Gate::Login,
        SessionState::SignedIn(info)
            if info.must_change_password && location.pathname.get() != "/password" =>
        {
            Gate::Password
        }
        SessionState::SignedIn(info)
            if info.stage == SessionStage::Enrolment
                && !matches!(location.pathname.get().as_str(), "/security" | "/password") =>
        {
            Gate::Enrol
        }
        // A timed-out session keeps the screen; the dialog over it asks for the password.
        SessionState::SignedIn(_) | SessionState::Expired(_) => Gate::Open,
    });
    move || match gate.get() {
        Gate::Loading => view! { <p class="loading" role="status">"読み込み中…"</p> }.into_any(),
        Gate::Login => view! { <Redirect path="/login"/> }.into_any(),
        Gate::Password => view! { <Redirect path="/password"/> }.into_any(),
        Gate::Enrol => view! { <Redirect path="/security"/> }.into_any(),
        Gate::Open => view! { <ShellLayout/> }.into_any(),
    }
}

#[component]
fn ShellLayout() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let info = move || session.info();
    let can_manage_users = move || session.can(Permission::ManageUsers);
    let current = crate::state::use_current_patient();
    // The banner names a patient only on that patient's screens.
    let location = use_location();
    Effect::new(move |_| {
        let path = location.pathname.get();
        // 会計 (/reception/{id}/bill) names its patient too.
        if !path.starts_with("/patients/") && !path.ends_with("/bill") {
            current.0.set(None);
        }
    });
    // The keyboard: function keys for the screens and the main action, Enter to the next
    // field, the cursor in the first field after every move within the app.
    Effect::new(move |_| {
        let _ = location.pathname.get();
        crate::keys::focus_first_field();
    });
    let keys = {
        let navigate = navigate.clone();
        window_event_listener(leptos::ev::keydown, move |ev| {
            crate::keys::user_acted(Some(&ev.key()));
            // An IME's Enter confirms a conversion (漢字変換), never moves or sends; a held key
            // repeats nothing.
            if matches!(session.0.get_untracked(), SessionState::Expired(_))
                || ev.is_composing()
                || ev.key_code() == 229
                || ev.repeat()
            {
                return;
            }
            if ev.key() == "Enter" {
                if crate::keys::enter_next(&ev) {
                    ev.prevent_default();
                }
                return;
            }
            let Some(action) = crate::keys::action_of(&ev.key()) else {
                return;
            };
            ev.prevent_default();
            match action {
                crate::keys::Action::Back => {
                    if let Ok(history) = window().history() {
                        let _ = history.back();
                    }
                }
                crate::keys::Action::Go(path) => navigate(path, Default::default()),
                crate::keys::Action::Primary => crate::keys::primary(),
            }
        })
    };
    // A pointer down is the user at work too: no planned focus moves after it.
    let pointer = window_event_listener(leptos::ev::pointerdown, |_| crate::keys::user_acted(None));
    on_cleanup(move || {
        keys.remove();
        pointer.remove();
    });
    // What the banner adds about its patient: allergies and 禁忌, and the cards valid today.
    let facts = RwSignal::new(None::<BannerFacts>);
    Effect::new(move |_| {
        let id = current.0.with(|p| p.as_ref().map(|p| p.patient_id));
        facts.set(None);
        let Some(id) = id else { return };
        spawn_local(async move {
            // Unread is not "none": the banner says it could not read them.
            let allergies = crate::api::orders::allergies(id).await.ok();
            let cards = crate::api::patients::coverage(id, "").await.ok();
            // Only if the banner still names this patient.
            if current
                .0
                .with_untracked(|p| p.as_ref().map(|p| p.patient_id))
                == Some(id)
            {
                facts.set(Some(BannerFacts::of(allergies.as_deref(), cards.as_ref())));
            }
        });
    });
    // The idle clock: a warning a minute before the session ends, and the end itself at once
    // (the screen is hidden, its input kept, under the sign-in dialog).
    let warning = RwSignal::new(None::<u64>);
    let clock = set_interval_with_handle(
        move || {
            let SessionState::SignedIn(info) = session.0.get_untracked() else {
                warning.set(None);
                if matches!(session.0.get_untracked(), SessionState::SignedOut { .. }) {
                    crate::idle::set_session(None);
                }
                return;
            };
            if info.stage != SessionStage::Full {
                return;
            }
            let left = crate::idle::left_ms(info.idle_timeout_seconds);
            if left <= 0.0 {
                warning.set(None);
                session.timed_out();
            } else if left <= (crate::idle::WARN_SECONDS * 1000) as f64 {
                warning.set(Some((left / 1000.0).ceil() as u64));
            } else {
                warning.set(None);
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = clock {
            h.clear();
        }
    });
    let keep_alive = move |_| {
        spawn_local(async move {
            match crate::api::auth::session().await {
                Ok(_) => warning.set(None),
                Err(f) => session.check(&f),
            }
        });
    };
    let can_read_patients = move || session.can(Permission::ReadPatients);
    let can_front_desk = move || session.can(Permission::FrontDesk);
    let can_view_logs = move || session.can(Permission::ViewLogs);
    let can_manage_institution = move || session.can(Permission::ManageInstitution);
    let forced = move || {
        info()
            .map(|i| i.must_change_password || i.stage != SessionStage::Full)
            .unwrap_or(false)
    };
    let expired = move || matches!(session.0.get(), SessionState::Expired(_));
    let logout = move |_| {
        let navigate = navigate.clone();
        let csrf = session.csrf();
        spawn_local(async move {
            // Whatever the answer, the user is signed out on this screen.
            let _ = crate::api::auth::logout(&csrf).await;
            crate::unsaved::clear();
            session.0.set(SessionState::SignedOut { expired: false });
            navigate("/login", Default::default());
        });
    };
    view! {
        <a class="skip-link" href="#main">"本文へ移動"</a>
        <header class="app-header">
            <span class="brand">"Karte"</span>
            <span class="institution" data-testid="institution-name">
                {move || info().map(|i| i.institution.name)}
            </span>
            <span class="user" data-testid="current-user">
                {move || info().map(|i| format!("{}（{}）", i.user.display_name, i.user.role.label_ja()))}
            </span>
            <button type="button" class="secondary" data-testid="logout" on:click=logout>"ログアウト"</button>
        </header>
        <nav class="app-nav" aria-label="メインメニュー" data-testid="nav">
            <Show when=move || !forced()>
                <A href="/">"ホーム"</A>
                <Show when=can_manage_users>
                    <A href="/admin/users">"利用者管理"</A>
                    <A href="/admin/devices">"端末管理"</A>
                </Show>
                <Show when=can_read_patients>
                    <A href="/patients">"患者"</A>
                    <A href="/reception">"受付一覧"</A>
                </Show>
                <Show when=can_front_desk>
                    <A href="/claims">"月次請求"</A>
                </Show>
                <Show when=can_view_logs>
                    <A href="/admin/logs">"ログ閲覧"</A>
                </Show>
                <Show when=can_manage_institution>
                    <A href="/admin/billing">"算定設定"</A>
                    <A href="/admin/security">"セキュリティ設定"</A>
                </Show>
            </Show>
            <A href="/password">"パスワード変更"</A>
            <A href="/security">"二要素認証"</A>
        </nav>
        {move || warning.get().map(|left| view! {
            <div class="notice session-warning" role="alert" data-testid="session-warning">
                {format!("操作がないため、あと{left}秒で自動ログアウトします。")}
                " " <button type="button" data-testid="session-keep" on:click=keep_alive>"続ける"</button>
            </div>
        })}
        // The patient banner (name, kana, birth date, ID) on every screen about a patient.
        <section class="patient-banner" class:selected=move || current.0.get().is_some() class:session-ended=expired
            data-testid="patient-banner" aria-label="患者情報">
            {move || match current.0.get() {
                Some(p) => {
                    let age = shared::domain::japanese::parse_date(&p.birth_date)
                        .map(|b| format!("{}歳", shared::domain::insurance::age_on(b, crate::format::today_jst())))
                        .unwrap_or_default();
                    format!("{} {}（{}） {} {} {} {}", p.patient_number, p.name, p.kana, p.sex.label_ja(), p.birth_date, p.birth_date_wareki, age)
                }
                None => "患者未選択".to_string(),
            }}
            {move || facts.get().map(|f| view! {
                <span class="banner-cover" data-testid="banner-coverage">{f.coverage}</span>
                <span class="banner-allergy" class:alert=f.unread || !f.allergies.is_empty() data-testid="banner-allergies">
                    {if f.unread { "アレルギー・禁忌 取得できません".to_string() }
                     else if f.allergies.is_empty() { "アレルギー・禁忌 登録なし".to_string() }
                     else { format!("アレルギー・禁忌 {}", f.allergies.join("、")) }}
                </span>
                <span class="banner-allergy" class:alert=f.unread || !f.infections.is_empty() data-testid="banner-infections">
                    {if f.unread { "感染症 取得できません".to_string() }
                     else if f.infections.is_empty() { "感染症 登録なし".to_string() }
                     else { format!("感染症 {}", f.infections.join("、")) }}
                </span>
            })}
        </section>
        // Once the session has ended nothing of the screen shows (patient data behind a
        // translucent dialog is still patient data), but nothing is taken off it either: the
        // input stays for when the user signs in again.
        <main id="main" class="app-main" class:session-ended=expired inert=expired aria-hidden=move || expired().then_some("true")>
            <Outlet/>
        </main>
        <Show when=expired>
            <ReauthDialog/>
        </Show>
        <nav class="key-bar" aria-label="キー操作" data-testid="key-bar">
            {crate::keys::HINTS.iter().map(|(key, what)| view! { <span><kbd>{*key}</kbd>" "{*what}</span> }).collect_view()}
        </nav>
        <VersionFooter/>
    }
}

/// The banner's facts about its patient, in words.
#[derive(Clone, PartialEq)]
struct BannerFacts {
    /// Active allergies and 禁忌: `薬剤 ペニシリン（重篤）`.
    allergies: Vec<String>,
    /// Active 感染症 (HBV, MRSA …).
    infections: Vec<String>,
    /// The list could not be read (the banner must not say 登録なし then).
    unread: bool,
    /// The insurance and 公費 valid today, with their periods.
    coverage: String,
}

impl BannerFacts {
    fn of(
        allergies: Option<&[shared::api::orders::Allergy]>,
        cards: Option<&shared::api::insurance::CoverageOn>,
    ) -> Self {
        use shared::domain::allergy::AllergyKind;
        let unread = allergies.is_none();
        let allergies = allergies.unwrap_or_default();
        let infections = allergies
            .iter()
            .filter(|a| a.active && a.kind == AllergyKind::Infection)
            .map(|a| a.substance.clone())
            .collect();
        let allergies = allergies
            .iter()
            .filter(|a| a.active && a.kind != AllergyKind::Infection)
            .map(|a| {
                format!(
                    "{} {}（{}）",
                    a.kind.label_ja(),
                    a.substance,
                    a.severity.label_ja()
                )
            })
            .collect();
        let until = |u: &Option<String>| {
            u.as_deref()
                .map(|u| format!("〜{u}"))
                .unwrap_or_else(|| "期限なし".into())
        };
        let coverage = match cards {
            None => String::new(),
            Some(c) if c.insurances.is_empty() && c.public_payments.is_empty() => {
                "有効な保険・公費なし".into()
            }
            Some(c) => c
                .insurances
                .iter()
                .map(|i| {
                    format!(
                        "{} {} {}割 {}",
                        shared::domain::insurance::InsuranceSystem::of(&i.insurer_number)
                            .label_ja(),
                        if i.relationship == shared::domain::insurance::Relationship::Insured {
                            "本人"
                        } else {
                            "家族"
                        },
                        i.burden_tenths,
                        until(&i.valid_until)
                    )
                })
                .chain(
                    c.public_payments
                        .iter()
                        .map(|p| format!("公費 {} {}", p.payer_number, until(&p.valid_until))),
                )
                .collect::<Vec<_>>()
                .join(" ／ "),
        };
        Self {
            allergies,
            infections,
            unread,
            coverage,
        }
    }
}
