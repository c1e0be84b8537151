-- A legal reviewer's standing (APL Art. 58), JSON, projected from reviewer.qualified/v1.
ALTER TABLE users ADD COLUMN legal_qualification TEXT;
