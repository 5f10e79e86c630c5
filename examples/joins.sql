-- Joins on a generated Nexmark stream: a window join that waits for the
-- window to end, then a window Top-N.
--
--   go run ./cmd/sluice run examples/joins.sql
--
-- Each auction opened in a 10-second window of event time is joined with
-- the bids it received in that same window (Saber's "A LEFT JOIN B within a
-- window, wait until the window ends": an auction without bids comes out
-- once, with 0, only when no bid can arrive any more), and the three most
-- bid-on new auctions of each window are printed. Everything runs
-- in-process (20 s of data at 10,000 events/s).

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

CREATE VIEW auction AS
SELECT auction.id, auction.category, auction.initialBid, `dateTime`
FROM nexmark WHERE event_type = 1;

CREATE VIEW bid AS
SELECT bid.auction, bid.price, `dateTime`
FROM nexmark WHERE event_type = 2;

CREATE TABLE new_auctions (
    window_end TIMESTAMP(3),
    auction    BIGINT,
    category   BIGINT,
    bids       BIGINT,
    top_price  BIGINT
) WITH ('connector' = 'print', 'sink.parallelism' = '1');

INSERT INTO new_auctions
SELECT window_end, id, category, bids, top_price FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bids DESC) AS rn
    FROM (
        SELECT a.window_start, a.window_end, a.id, a.category,
               COALESCE(b.bids, 0) AS bids, b.top_price
        FROM (SELECT * FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))) a
        LEFT JOIN (
            SELECT auction, COUNT(*) AS bids, MAX(price) AS top_price, window_start, window_end
            FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
            GROUP BY auction, window_start, window_end) b
        ON a.id = b.auction AND a.window_start = b.window_start AND a.window_end = b.window_end))
WHERE rn <= 3;
