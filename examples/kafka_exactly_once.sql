-- Kafka in, windowed counts out, exactly once.
--
-- Needs a Kafka broker (Sluice bundles none): set the address below (here
-- and in examples/kafka_clicks_producer.sql, which fills 'clicks'), create
-- the topics 'clicks' and 'clicks_per_minute', then
--
--   go run ./cmd/sluice run examples/kafka_clicks_producer.sql &
--   go run ./cmd/sluice run --resume examples/kafka_exactly_once.sql
--
-- A minute's counts appear once the minute is over (plus the 5 s the
-- watermark waits for late clicks) and the next checkpoint has committed.
--
-- Kill it at any point (even with kill -9) and run the same command again:
-- it resumes from its last checkpoint, and a consumer reading
-- 'clicks_per_minute' with isolation.level=read_committed sees every count
-- exactly once. Ctrl-C with --savepoint-dir DIR stops it with a savepoint.

SET 'execution.checkpointing.interval' = '10 s';
SET 'state.checkpoints.dir' = '/tmp/sluice-checkpoints/kafka-example';

CREATE TABLE clicks (
    user_id  STRING,
    url      STRING,
    ts       TIMESTAMP(3),
    `partition` INT METADATA VIRTUAL,
    `offset`    BIGINT METADATA VIRTUAL,
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'topic' = 'clicks',
    'properties.bootstrap.servers' = 'localhost:9092',
    'properties.group.id' = 'sluice-example',
    'scan.startup.mode' = 'earliest-offset',
    'format' = 'json'
);

CREATE TABLE clicks_per_minute (
    window_start TIMESTAMP(3),
    url          STRING,
    clicks       BIGINT,
    users        BIGINT
) WITH (
    'connector' = 'kafka',
    'topic' = 'clicks_per_minute',
    'properties.bootstrap.servers' = 'localhost:9092',
    'format' = 'json',
    'sink.delivery-guarantee' = 'exactly-once',
    'sink.transactional-id-prefix' = 'sluice-clicks-per-minute'
);

INSERT INTO clicks_per_minute
SELECT window_start, url, COUNT(*), COUNT(DISTINCT user_id)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, url;
