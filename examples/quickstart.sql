-- Sluice quick start: a Nexmark auction stream, bids per auction in
-- 10-second tumbling windows of event time, printed as they close.
--
--   go run ./cmd/sluice run examples/quickstart.sql
--
-- Everything is generated in-process: no Kafka, no database. The generator
-- makes 200,000 events paced to wall-clock time at 10,000 events/s (20 s of
-- data), so windows close every 10 seconds while you watch. The same script
-- runs on Apache Flink with the nexmark connector on its classpath.

SET 'parallelism.default' = '2';

CREATE TABLE nexmark (
    event_type INT,
    person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR,
               city VARCHAR, state VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>,
    auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT,
                reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3),
                seller BIGINT, category BIGINT, extra VARCHAR>,
    bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
            `dateTime` TIMESTAMP(3), extra VARCHAR>,
    `dateTime` AS CASE
        WHEN event_type = 0 THEN person.`dateTime`
        WHEN event_type = 1 THEN auction.`dateTime`
        ELSE bid.`dateTime`
    END,
    WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark',
    'first-event.rate' = '10000',
    'events.num' = '200000',
    'max-emit-speed' = 'false'
);

CREATE VIEW bid AS
SELECT bid.auction, bid.bidder, bid.price, bid.channel, `dateTime`
FROM nexmark WHERE event_type = 2;

CREATE TABLE hot_auctions (
    window_start TIMESTAMP(3),
    window_end   TIMESTAMP(3),
    auction      BIGINT,
    bids         BIGINT,
    max_price    BIGINT,
    avg_price    BIGINT
) WITH ('connector' = 'print', 'sink.parallelism' = '1');

-- The five busiest auctions of each window: a window aggregate, then a
-- window Top-N (ROW_NUMBER per window), emitted once when the window closes.
INSERT INTO hot_auctions
SELECT window_start, window_end, auction, bids, max_price, avg_price FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bids DESC) AS rn
    FROM (
        SELECT window_start, window_end, auction, COUNT(*) AS bids, MAX(price) AS max_price, AVG(price) AS avg_price
        FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
        GROUP BY window_start, window_end, auction))
WHERE rn <= 5;
