//! 利用者管理: administrators list, create, disable and re-enable users of their own
//! institution, and issue one-time passwords.

use crate::components::field::TextField;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::users::{CreateUser, IssuedPassword, UserSummary};
use shared::domain::{Permission, Role};

#[component]
pub fn UsersPage() -> impl IntoView {
    let session = use_session();
    let allowed = move || session.can(Permission::ManageUsers);
    view! {
        <h1>"利用者管理"</h1>
        <Show when=allowed fallback=|| view! { <p class="form-error" role="alert">"この画面を開く権限がありません"</p> }>
            <UsersAdmin/>
        </Show>
    }
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let session = use_session();
    let users = LocalResource::new(move || async move {
        let result = crate::api::users::list().await;
        if let Err(failure) = &result {
            session.check(failure);
        }
        result
    });
    let issued = RwSignal::new(None::<IssuedPassword>);
    let action_error = RwSignal::new(None::<String>);
    let reload = move || users.refetch();

    let on_issued = Callback::new(move |p: IssuedPassword| {
        issued.set(Some(p));
        reload();
    });

    let toggle = move |user: UserSummary| {
        let csrf = session.csrf();
        action_error.set(None);
        spawn_local(async move {
            match crate::api::users::set_disabled(&csrf, user.user_id, !user.disabled).await {
                Ok(_) => reload(),
                Err(failure) => {
                    session.check(&failure);
                    let message = failure
                        .fields()
                        .first()
                        .map(|f| f.message.clone())
                        .unwrap_or_else(|| failure.message());
                    action_error.set(Some(message));
                }
            }
        });
    };
    let reset = move |user: UserSummary| {
        let csrf = session.csrf();
        action_error.set(None);
        spawn_local(async move {
            match crate::api::users::reset_password(&csrf, user.user_id).await {
                Ok(p) => on_issued.run(p),
                Err(failure) => {
                    session.check(&failure);
                    action_error.set(Some(failure.message()));
                }
            }
        });
    };

    // Unlock (too many failed sign-ins) and second-factor reset (a lost phone).
    let act = move |user: UserSummary, what: &'static str| {
        let csrf = session.csrf();
        action_error.set(None);
        spawn_local(async move {
            let result = match what {
                "unlock" => crate::api::users::unlock(&csrf, user.user_id).await,
                _ => crate::api::users::reset_factors(&csrf, user.user_id).await,
            };
            match result {
                Ok(_) => reload(),
                Err(failure) => {
                    session.check(&failure);
                    action_error.set(Some(failure.message()));
                }
            }
        });
    };

    view! {
        <CreateUserForm on_created=on_issued/>
        {move || issued.get().map(|p| view! {
            <div class="issued" role="status" data-testid="issued-password">
                <p>
                    {p.user.display_name.clone()} "（" {p.user.login_id.clone()} "）の初回パスワード："
                    <code data-testid="one-time-password">{p.one_time_password.clone()}</code>
                </p>
                <p class="hint">"この画面を閉じると再表示できません。本人に伝え、初回ログイン時に変更してもらってください。"</p>
                <button type="button" class="secondary" on:click=move |_| issued.set(None)>"閉じる"</button>
            </div>
        })}
        <p class="form-error" role="alert" data-testid="users-error">{move || action_error.get()}</p>
        <h2>"利用者一覧"</h2>
        {move || match users.get() {
            None => view! { <p role="status">"読み込み中…"</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="form-error" role="alert">{failure.message()}</p> }.into_any(),
            Some(Ok(list)) => {
                let doctors: Vec<UserSummary> = list
                    .iter()
                    .filter(|u| u.role == Role::Doctor && !u.disabled)
                    .cloned()
                    .collect();
                view! {
                <table class="users" data-testid="users-table">
                    <thead><tr>
                        <th scope="col">"ログインID"</th><th scope="col">"氏名"</th><th scope="col">"役割"</th>
                        <th scope="col">"状態"</th><th scope="col">"二要素認証"</th><th scope="col">"麻薬施用者免許"</th><th scope="col">"操作"</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|user| {
                            let for_toggle = user.clone();
                            let for_reset = user.clone();
                            let for_unlock = user.clone();
                            let for_factors = user.clone();
                            let locked = user.locked_until.clone();
                            let has_factor = user.has_second_factor;
                            let status = if user.disabled { "無効".to_string() } else if let Some(until) = &locked {
                                format!("ロック中（{}まで）", crate::format::jst(until).get(11..16).unwrap_or(""))
                            } else if user.must_change_password { "初回パスワード".to_string() } else { "有効".to_string() };
                            let testid = format!("user-row-{}", user.login_id);
                            view! {
                                <tr data-testid=testid class:disabled=user.disabled>
                                    <td>{user.login_id.clone()}</td>
                                    <td>{user.display_name.clone()}</td>
                                    <td>{user.role.label_ja()}</td>
                                    <td data-testid="user-status">{status}</td>
                                    <td data-testid="user-two-factor">{if has_factor { "登録済み" } else { "なし" }}</td>
                                    <td data-testid="user-narcotic-license">{user.narcotic_license.clone().unwrap_or_default()}</td>
                                    <td class="actions">
                                        <Show when=move || locked.is_some()>
                                            <button type="button" class="secondary" data-testid="unlock-user"
                                                on:click={let u = for_unlock.clone(); move |_| act(u.clone(), "unlock")}>
                                                "ロック解除"
                                            </button>
                                        </Show>
                                        <Show when=move || has_factor>
                                            <button type="button" class="secondary" data-testid="reset-factors"
                                                on:click={let u = for_factors.clone(); move |_| act(u.clone(), "reset")}>
                                                "二要素認証をリセット"
                                            </button>
                                        </Show>
                                        <button type="button" class="secondary" data-testid="toggle-disabled"
                                            on:click=move |_| toggle(for_toggle.clone())>
                                            {if user.disabled { "有効にする" } else { "無効にする" }}
                                        </button>
                                        <button type="button" class="secondary" data-testid="reset-password"
                                            on:click=move |_| reset(for_reset.clone())>
                                            "パスワード再発行"
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <NarcoticLicenseForm doctors=doctors on_saved=Callback::new(move |_| reload())/>
            }.into_any()
            }
        }}
    }
}

/// A doctor's 麻薬施用者免許証番号 (printed on a 処方箋 naming a 麻薬): set, changed (with a
/// reason) or removed (empty).
#[component]
fn NarcoticLicenseForm(doctors: Vec<UserSummary>, on_saved: Callback<()>) -> impl IntoView {
    let session = use_session();
    let chosen = RwSignal::new(doctors.first().map(|d| d.user_id));
    let license = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let doctors = StoredValue::new(doctors);
    let save = move |_| {
        let Some(id) = chosen.get_untracked() else {
            return;
        };
        let base = doctors.with_value(|d| {
            d.iter()
                .find(|u| u.user_id == id)
                .map_or(0, |u| u.narcotic_license_version)
        });
        let body = shared::api::users::SetNarcoticLicense {
            base_version: base,
            license: license.get_untracked(),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::users::set_narcotic_license(&csrf, id, &body).await {
                Ok(_) => {
                    error.set(None);
                    license.set(String::new());
                    reason.set(String::new());
                    on_saved.run(());
                }
                Err(failure) => {
                    session.check(&failure);
                    error.set(Some(failure.first_message()));
                }
            }
        });
    };
    view! {
        <section class="narcotic-license" data-testid="narcotic-license-form">
            <h2>"麻薬施用者免許証番号"</h2>
            <label for="license_doctor">"医師"</label>
            <select id="license_doctor" data-testid="license-doctor"
                on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok().map(shared::ids::UserId))>
                {doctors.get_value().into_iter().map(|d| view! {
                    <option value=d.user_id.to_string()>{d.display_name.clone()}</option>
                }).collect_view()}
            </select>
            <label for="license_number">"免許証番号（空で削除）"</label>
            <input id="license_number" data-testid="license-number" prop:value=move || license.get()
                on:input=move |ev| license.set(event_target_value(&ev))/>
            <label for="license_reason">"変更の理由"</label>
            <input id="license_reason" data-testid="license-reason" prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))/>
            <button type="button" data-testid="license-save" on:click=save>"登録する"</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

#[component]
fn CreateUserForm(on_created: Callback<IssuedPassword>) -> impl IntoView {
    let session = use_session();
    let login_id = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Doctor);
    let login_error = RwSignal::new(None::<String>);
    let name_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = CreateUser {
            login_id: login_id.get_untracked(),
            display_name: display_name.get_untracked(),
            role: role.get_untracked(),
        };
        login_error.set(None);
        name_error.set(None);
        error.set(None);
        // The same validation the server runs, before sending.
        if let Err(fields) = body.validate() {
            for f in fields {
                match f.field.as_str() {
                    "login_id" => login_error.set(Some(f.message)),
                    _ => name_error.set(Some(f.message)),
                }
            }
            return;
        }
        busy.set(true);
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::users::create(&csrf, &body).await {
                Ok(issued) => {
                    login_id.set(String::new());
                    display_name.set(String::new());
                    on_created.run(issued);
                }
                Err(failure) => {
                    session.check(&failure);
                    let mut named = false;
                    for f in failure.fields() {
                        named = true;
                        match f.field.as_str() {
                            "login_id" => login_error.set(Some(f.message.clone())),
                            "display_name" => name_error.set(Some(f.message.clone())),
                            _ => error.set(Some(f.message.clone())),
                        }
                    }
                    if !named {
                        error.set(Some(failure.message()));
                    }
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form on:submit=submit data-testid="create-user-form" class="inline-form" novalidate>
            <h2>"利用者を追加"</h2>
            <TextField id="new_login_id" label="ログインID" value=login_id error=login_error/>
            <TextField id="new_display_name" label="氏名" value=display_name error=name_error/>
            <div class="field">
                <label for="new_role">"役割"</label>
                <select id="new_role" data-testid="new_role"
                    on:change=move |ev| {
                        if let Some(r) = Role::from_code(&event_target_value(&ev)) {
                            role.set(r);
                        }
                    }>
                    {Role::ALL.into_iter().map(|r| view! {
                        <option value=r.code() selected=move || role.get() == r>{r.label_ja()}</option>
                    }).collect_view()}
                </select>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <button type="submit" data-testid="create-user-submit" disabled=move || busy.get()>"追加"</button>
        </form>
    }
}
