//! The router and the context providers.

use crate::components::shell::Shell;
use crate::pages::bill::BillPage;
use crate::pages::billing_settings::BillingSettingsPage;
use crate::pages::chart::ChartPage;
use crate::pages::chart_print::ChartPrintPage;
use crate::pages::devices::DevicesPage;
use crate::pages::patients::{PatientDetailPage, PatientsPage, RegisterPatientPage};
use crate::pages::reception::ReceptionPage;
use crate::pages::security::SecurityPage;
use crate::pages::security_policy::SecurityPolicyPage;
use crate::pages::{
    home::HomePage, login::LoginPage, logs::LogsPage, not_found::NotFoundPage,
    password::ChangePasswordPage, users::UsersPage,
};
use crate::state::{provide_current_patient, provide_server_info, provide_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    let session = provide_session();
    let server = provide_server_info();
    provide_current_patient();
    // Is the cookie still a session? (A reload keeps the user signed in.)
    spawn_local(async move {
        match crate::api::auth::state().await {
            Ok(shared::api::auth::SessionState {
                session: Some(info),
                ..
            }) => session.signed_in(info),
            Ok(shared::api::auth::SessionState { expired, .. }) => {
                session.0.set(SessionState::SignedOut { expired })
            }
            Err(failure) => session.0.set(SessionState::SignedOut {
                expired: failure.code() == Some(shared::api::ErrorCode::SessionExpired),
            }),
        }
    });
    spawn_local(async move {
        if let Ok(health) = crate::api::health::health().await {
            server.0.set(Some(health));
        }
    });
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFoundPage/> }>
                <Route path=path!("/login") view=LoginPage/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("password") view=ChangePasswordPage/>
                    <Route path=path!("admin/users") view=UsersPage/>
                    <Route path=path!("admin/logs") view=LogsPage/>
                    <Route path=path!("admin/billing") view=BillingSettingsPage/>
                    <Route path=path!("admin/security") view=SecurityPolicyPage/>
                    <Route path=path!("admin/devices") view=DevicesPage/>
                    <Route path=path!("security") view=SecurityPage/>
                    <Route path=path!("patients") view=PatientsPage/>
                    <Route path=path!("reception") view=ReceptionPage/>
                    <Route path=path!("reception/:reception_id/bill") view=BillPage/>
                    <Route path=path!("claims") view=crate::pages::claims::ClaimsPage/>
                    <Route path=path!("patients/new") view=RegisterPatientPage/>
                    <Route path=path!("patients/:patient_id") view=PatientDetailPage/>
                    <Route path=path!("patients/:patient_id/chart") view=ChartPage/>
                    <Route path=path!("patients/:patient_id/chart/print") view=ChartPrintPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
