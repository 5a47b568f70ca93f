-- The session check, as authentication now needs it (one definition for migrations 10–13):
-- - it answers the session's stage (a password alone never makes a full session when a second
--   factor is owed) and uses the session's own idle timeout (the institution's policy);
-- - a session bound to a registered device answers the device's fingerprint (the server
--   compares it with the connection's certificate) and ends at once when the device is revoked;
-- - requests the app makes by timer (the reception queue refreshing itself) are not the user's
--   activity: they must not keep an unattended screen signed in past the idle timeout.

drop function system.authenticate_session(bytea, integer);
create function system.authenticate_session(p_token_hash bytea, p_idle_seconds integer,
                                            p_activity boolean)
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
    -- Touch at most every 15 s, and only for the user's own requests.
    if p_activity and s.last_seen_at < now() - interval '15 seconds' then
        update public.session set last_seen_at = now()
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id
              and last_seen_at < now() - interval '15 seconds';
    end if;
    return query select 'ok'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                        u.must_change_password, s.csrf_token, s.stage, s.device_id, d.fingerprint;
end
$$;
alter function system.authenticate_session(bytea, integer, boolean) owner to karte_system;
revoke all on function system.authenticate_session(bytea, integer, boolean) from public;
grant execute on function system.authenticate_session(bytea, integer, boolean) to karte_app;
