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

-- The session check also answers the fingerprint of the device the session is bound to (the
-- server compares it with the connection's certificate), and a session whose device has been
-- revoked ends at once.
drop function system.authenticate_session(bytea, integer);
create function system.authenticate_session(p_token_hash bytea, p_idle_seconds integer)
returns table (status text, tenant_id uuid, session_id uuid, user_id uuid, role text,
               must_change_password boolean, csrf_token text, stage text, device_id uuid,
               device_fingerprint text)
language plpgsql volatile security definer
set search_path = pg_catalog, public
as $$
declare
    s public.session%rowtype;
    u public.app_user%rowtype;
    d public.device_certificate%rowtype;
    idle integer;
begin
    select * into s from public.session where token_hash = p_token_hash;
    if not found then
        return;
    end if;
    select * into u from public.app_user where app_user.tenant_id = s.tenant_id and app_user.user_id = s.user_id;
    if u.disabled_at is not null or s.end_reason is not null
       and s.end_reason not in ('idle_timeout', 'expired') then
        return;
    end if;
    if s.device_id is not null then
        select * into d from public.device_certificate
            where device_certificate.tenant_id = s.tenant_id and device_certificate.device_id = s.device_id;
        if d.revoked_at is not null then
            update public.session set ended_at = now(), end_reason = 'device_revoked'
                where session.tenant_id = s.tenant_id and session.session_id = s.session_id and ended_at is null;
            return;
        end if;
    end if;
    idle := coalesce(s.idle_seconds, p_idle_seconds);
    if s.ended_at is null and s.expires_at <= now() then
        update public.session set ended_at = now(), end_reason = 'expired'
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id and ended_at is null;
        s.ended_at := now();
    elsif s.ended_at is null and s.last_seen_at + make_interval(secs => idle) <= now() then
        update public.session set ended_at = now(), end_reason = 'idle_timeout'
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id and ended_at is null;
        s.ended_at := now();
    end if;
    if s.ended_at is not null then
        return query select 'expired'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                            u.must_change_password, ''::text, s.stage, s.device_id, d.fingerprint;
        return;
    end if;
    if s.last_seen_at < now() - interval '15 seconds' then
        update public.session set last_seen_at = now()
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id
              and last_seen_at < now() - interval '15 seconds';
    end if;
    return query select 'ok'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                        u.must_change_password, s.csrf_token, s.stage, s.device_id, d.fingerprint;
end
$$;
alter function system.authenticate_session(bytea, integer) owner to karte_system;
revoke all on function system.authenticate_session(bytea, integer) from public;
grant execute on function system.authenticate_session(bytea, integer) to karte_app;
