-- What the search index reflects: the extractor version and the custom
-- SearchParameter versions applied by the last reindex, one per line
-- (see resources.Service.PrepareSearch). Empty before the first start.
ALTER TABLE search_state ADD COLUMN applied TEXT NOT NULL DEFAULT '';
