-- The institution's orders by visit day (the frequent items the order pickers offer count the
-- orders of the last months across patients).
create index clinical_order_visit_date_idx on clinical_order (tenant_id, visit_date desc, order_id desc);
