-- 受付: a patient checked in for a day, moving waiting → in consultation → waiting for payment
-- → done, or cancelled with a reason. Every move is kept in reception_event (append-only).

create table reception (
    tenant_id      uuid not null,
    reception_id   uuid not null,
    patient_id     uuid not null,
    visit_date     date not null,
    department     text not null check (char_length(department) between 1 and 40),
    purpose        text not null default '' check (char_length(purpose) <= 100),
    memo           text not null default '' check (char_length(memo) <= 500),
    status         text not null check (status in ('waiting', 'in_consultation', 'waiting_payment', 'done', 'cancelled')),
    version        integer not null default 1,
    checked_in_at  timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    primary key (tenant_id, reception_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index reception_day_idx on reception (tenant_id, visit_date, checked_in_at);

create table reception_event (
    tenant_id     uuid not null,
    reception_id  uuid not null,
    version       integer not null,
    status        text not null,
    reason        text not null default '',
    actor_user_id uuid,
    at            timestamptz not null default now(),
    primary key (tenant_id, reception_id, version),
    foreign key (tenant_id, reception_id) references reception (tenant_id, reception_id)
);

alter table reception enable row level security;
alter table reception force row level security;
create policy tenant_isolation on reception
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table reception_event enable row level security;
alter table reception_event force row level security;
create policy tenant_isolation on reception_event
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

grant select, insert, update on reception to karte_app;
grant select, insert on reception_event to karte_app;
create trigger reception_event_append_only before update or delete on reception_event
    for each row execute function refuse_log_change();
