-- The session check no longer locks the session row: concurrent requests of one session
-- (a page loading several resources at once) queued behind each other on that lock. Its
-- updates are idempotent and guarded, so they need no lock: ending an expired session twice
-- changes nothing the second time, and last_seen_at only moves forward.
create or replace function system.authenticate_session(p_token_hash bytea, p_idle_seconds integer)
returns table (status text, tenant_id uuid, session_id uuid, user_id uuid, role text,
               must_change_password boolean, csrf_token text)
language plpgsql volatile security definer
set search_path = pg_catalog, public
as $$
declare
    s public.session%rowtype;
    u public.app_user%rowtype;
begin
    select * into s from public.session where token_hash = p_token_hash;
    if not found then
        return;
    end if;
    select * into u from public.app_user where app_user.tenant_id = s.tenant_id and app_user.user_id = s.user_id;
    if u.disabled_at is not null or s.end_reason in ('logout', 'user_disabled', 'password_reset') then
        return;
    end if;
    if s.ended_at is null and s.expires_at <= now() then
        update public.session set ended_at = now(), end_reason = 'expired'
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id and ended_at is null;
        s.ended_at := now();
    elsif s.ended_at is null and s.last_seen_at + make_interval(secs => p_idle_seconds) <= now() then
        update public.session set ended_at = now(), end_reason = 'idle_timeout'
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id and ended_at is null;
        s.ended_at := now();
    end if;
    if s.ended_at is not null then
        return query select 'expired'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                            u.must_change_password, ''::text;
        return;
    end if;
    -- Touch at most every 15 s so a burst of requests is not a burst of writes.
    if s.last_seen_at < now() - interval '15 seconds' then
        update public.session set last_seen_at = now()
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id
              and last_seen_at < now() - interval '15 seconds';
    end if;
    return query select 'ok'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                        u.must_change_password, s.csrf_token;
end
$$;
