-- Pickers find a drug by its 一般名 (医薬品マスター 項番38, 「【般】…」): a prefix index so that
-- the server's search does not read every drug version for it.
create index master_version_generic_idx on master.version ((fields[38]) text_pattern_ops)
  where kind = 'drug';
