-- WebAuthn (passkeys, security keys) as a second factor: a credential's id, its public key
-- (P-256, SEC1 uncompressed) and signature counter on the user's factor row, and one-time
-- ceremony challenges.

alter table user_factor drop constraint user_factor_kind_check;
alter table user_factor add constraint user_factor_kind_check check (kind in ('totp', 'webauthn'));
alter table user_factor alter column secret drop not null;
alter table user_factor drop constraint user_factor_secret_check;
alter table user_factor add constraint user_factor_secret_check
    check (kind <> 'totp' or octet_length(secret) between 16 and 64);
alter table user_factor add column credential_id bytea
    check (credential_id is null or octet_length(credential_id) between 16 and 1023);
alter table user_factor add column public_key bytea
    check (public_key is null or octet_length(public_key) = 65);
alter table user_factor add column sign_count bigint;
alter table user_factor add constraint user_factor_webauthn_check
    check (kind <> 'webauthn' or (credential_id is not null and public_key is not null and sign_count is not null));
create unique index user_factor_credential_key on user_factor (tenant_id, credential_id)
    where credential_id is not null and revoked_at is null;
grant update (sign_count) on user_factor to karte_app;

-- A challenge is issued for one ceremony (registering a credential, or signing in with one),
-- to one session, and accepted once within five minutes.
create table webauthn_challenge (
    tenant_id     uuid not null,
    challenge_id  uuid not null,
    user_id       uuid not null,
    session_id    uuid not null,
    purpose       text not null check (purpose in ('register', 'authenticate')),
    challenge     bytea not null check (octet_length(challenge) = 32),
    label         text check (label is null or char_length(label) between 1 and 64),
    created_at    timestamptz not null default now(),
    expires_at    timestamptz not null default now() + interval '5 minutes',
    used_at       timestamptz,
    primary key (tenant_id, challenge_id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, user_id)
);
alter table webauthn_challenge enable row level security;
alter table webauthn_challenge force row level security;
create policy tenant_isolation on webauthn_challenge
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on webauthn_challenge to karte_app;
grant update (used_at) on webauthn_challenge to karte_app;
