-- pinpointd schema, version 2: endpoint documents as bytes.
--
-- endpoints.doc holds store.EncodeEndpointBinary's document from now on. Documents written before
-- stay JSON (their UTF-8 bytes); store.DecodeEndpoint reads both, telling them apart by the first
-- byte, and each is rewritten in the binary format the next time its endpoint is written.
-- Rewriting the table takes an exclusive lock on it for the time it takes; processes running an
-- older pinpointd cannot use the table afterwards and must be stopped first.
ALTER TABLE endpoints ALTER COLUMN doc TYPE bytea USING convert_to(doc, 'UTF8');
