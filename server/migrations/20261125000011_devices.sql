-- Device authentication with client certificates: an institution's registry of its devices'
-- certificates (by SHA-256 fingerprint of the DER), which roles must sign in from a registered
-- device (when the server asks for certificates optionally), and sessions bound to the device
-- they were opened from.

create table device_certificate (
    tenant_id        uuid not null references institution (tenant_id),
    device_id        uuid not null,
    -- Lower-case hex SHA-256 of the certificate's DER encoding.
    fingerprint      text not null check (fingerprint ~ '^[0-9a-f]{64}$'),
    name             text not null check (char_length(name) between 1 and 64),
    registered_at    timestamptz not null default now(),
    -- NULL: registered by the operator at the command line.
    registered_by    uuid,
    revoked_at       timestamptz,
    revoked_by       uuid,
    primary key (tenant_id, device_id)
);
-- One active registration per certificate in an institution (a revoked one may be registered
-- again, as a new row).
create unique index device_certificate_active_key on device_certificate (tenant_id, fingerprint)
    where revoked_at is null;
alter table device_certificate enable row level security;
alter table device_certificate force row level security;
create policy tenant_isolation on device_certificate
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on device_certificate to karte_app;
grant update (revoked_at, revoked_by) on device_certificate to karte_app;
grant select on device_certificate to karte_system;

alter table security_policy_version add column device_roles text[] not null default '{}'
    check (device_roles <@ array['doctor', 'nurse', 'clerk', 'admin']::text[]);

alter table session add column device_id uuid;
alter table session drop constraint session_end_reason_check;
alter table session add constraint session_end_reason_check
    check (end_reason in ('logout', 'idle_timeout', 'expired', 'password_changed', 'user_disabled',
                          'password_reset', 'logout_everywhere', 'factors_reset', 'rotated',
                          'role_changed', 'device_revoked'));

-- The session check that ends a revoked device's sessions is in migration 13.
