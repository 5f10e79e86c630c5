-- Generated clicks into Kafka, the input of examples/kafka_exactly_once.sql.
--
-- Needs a Kafka broker (Sluice bundles none): set the address below, then
--
--   go run ./cmd/sluice run examples/kafka_clicks_producer.sql
--
-- It writes 1,000 clicks a second (20 pages, 1,000 users, stamped with the
-- current time) into the topic 'clicks' until stopped with Ctrl-C. Run
-- examples/kafka_exactly_once.sql beside it to count them.

CREATE TABLE generated (
    user_no INT,
    page_no INT
) WITH (
    'connector' = 'datagen',
    'rows-per-second' = '1000',
    'fields.user_no.min' = '1',
    'fields.user_no.max' = '1000',
    'fields.page_no.min' = '1',
    'fields.page_no.max' = '20'
);

CREATE TABLE clicks (
    user_id  STRING,
    url      STRING,
    ts       TIMESTAMP(3)
) WITH (
    'connector' = 'kafka',
    'topic' = 'clicks',
    'properties.bootstrap.servers' = 'localhost:9092',
    'format' = 'json'
);

INSERT INTO clicks
SELECT CONCAT('user-', CAST(user_no AS STRING)),
       CONCAT('/page/', CAST(page_no AS STRING)),
       LOCALTIMESTAMP
FROM generated;
