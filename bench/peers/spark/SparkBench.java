// bench/peers/spark/SparkBench.java — the three workloads in Spark Structured Streaming 3.5
// (Dataset API, local[THREADS], Kafka source and sink, JSON through from_json / to_json).
//
//   java --add-opens ... -cp 'LIB/*' SparkBench w1|w2|w3|w4 BROKERS IN_TOPIC OUT_TOPIC RECORDS CHECKPOINT_DIR THREADS
//
// W1 where + select (append); W2 groupBy(user).count() (update mode: every changed count per
// micro-batch); W3 groupBy(session_window(ts, 30 minutes), user).count() with a 10 s watermark
// (append: a session leaves when the watermark passes its end). W1 and W2 run with
// Trigger.AvailableNow (read to the end, stop). W3 needs one more micro-batch after the data, the
// one that moves the watermark past the sessions, so it runs with a continuous 0 s micro-batch
// trigger and stops at the first batch without input after RECORDS records were read.
// W4 clicks ⋈ users (the topic "users": a row per user, then updates): Structured Streaming
// has no stream–table (as-of) join, so it is the stream–stream inner join with watermarks (10 s
// on both sides) on user = id AND updated <= ts AND updated >= ts - 30 days (longer than the
// run: every version of a user is kept). It emits one row per (click, version of its user at or
// before the click), not the latest version only; AvailableNow.
// RECORDS 0 (the latency benchmark): a 0 s micro-batch trigger, until SIGTERM.
// spark.sql.shuffle.partitions = 8 (the topic's partitions; the default 200 is slower here).
import static org.apache.spark.sql.functions.*;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

public class SparkBench {
  public static void main(String[] args) throws Exception {
    String workload = args[0], brokers = args[1], in = args[2], out = args[3];
    long records = Long.parseLong(args[4]);
    String checkpoint = args[5];
    int threads = Integer.parseInt(args[6]);
    long t0 = System.nanoTime();

    SparkSession spark = SparkSession.builder()
        .master("local[" + threads + "]")
        .appName("flow-bench-" + workload)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");

    StructType schema = new StructType()
        .add("user", DataTypes.StringType)
        .add("url", DataTypes.StringType)
        .add("bytes", DataTypes.LongType)
        .add("ts", DataTypes.LongType);
    Dataset<Row> clicks = spark.readStream()
        .format("kafka")
        .option("kafka.bootstrap.servers", brokers)
        .option("subscribe", in)
        .option("startingOffsets", "earliest")
        .load()
        .select(from_json(col("value").cast("string"), schema).as("c"))
        .select("c.*");

    Dataset<Row> result;
    String mode;
    switch (workload) {
      case "w1":
        result = clicks.where(col("bytes").geq(2000))
            .select(col("user").as("key"),
                to_json(struct(col("user"), col("url"), col("bytes"), col("ts"))).as("value"));
        mode = "append";
        break;
      case "w2":
        result = clicks.groupBy(col("user")).count()
            .select(col("user").as("key"), to_json(struct(col("user"), col("count").as("n"))).as("value"));
        mode = "update";
        break;
      case "w3":
        result = clicks.withColumn("t", timestamp_millis(col("ts")))
            .withWatermark("t", "10 seconds")
            .groupBy(session_window(col("t"), "30 minutes"), col("user"))
            .count()
            .select(col("user").as("key"),
                to_json(struct(col("user"),
                    unix_millis(col("session_window.start")).as("start"),
                    unix_millis(col("session_window.end")).as("end"),
                    col("count").as("clicks"))).as("value"));
        mode = "append";
        break;
      case "w4": {
        StructType userSchema = new StructType()
            .add("id", DataTypes.StringType)
            .add("region", DataTypes.StringType)
            .add("updated", DataTypes.LongType);
        Dataset<Row> users = spark.readStream()
            .format("kafka")
            .option("kafka.bootstrap.servers", brokers)
            .option("subscribe", "users")
            .option("startingOffsets", "earliest")
            .load()
            .select(from_json(col("value").cast("string"), userSchema).as("u"))
            .select("u.*")
            .withColumn("u_t", timestamp_millis(col("updated")))
            .withWatermark("u_t", "10 seconds");
        Dataset<Row> c = clicks.withColumn("t", timestamp_millis(col("ts"))).withWatermark("t", "10 seconds");
        result = c.join(users, expr("user = id AND u_t <= t AND u_t >= t - interval 30 days"))
            .select(col("user").as("key"),
                to_json(struct(col("user"), col("url"), col("bytes"), col("ts"), col("region"), col("updated")))
                    .as("value"));
        mode = "append";
        break;
      }
      default:
        throw new IllegalArgumentException(workload);
    }

    AtomicLong seen = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    spark.streams().addListener(new StreamingQueryListener() {
      @Override public void onQueryStarted(QueryStartedEvent e) {}
      @Override public void onQueryTerminated(QueryTerminatedEvent e) {}
      @Override public void onQueryProgress(QueryProgressEvent e) {
        long n = e.progress().numInputRows();
        long before = seen.getAndAdd(n);
        if (n == 0 && before >= records) done.countDown();
      }
    });

    DataStreamWriter<Row> w = result.writeStream()
        .format("kafka")
        .option("kafka.bootstrap.servers", brokers)
        .option("topic", out)
        .option("checkpointLocation", checkpoint)
        .outputMode(mode);
    StreamingQuery q;
    if (records <= 0) {
      // The latency benchmark: micro-batches back to back until SIGTERM (the JVM's shutdown
      // hooks stop Spark).
      q = w.trigger(Trigger.ProcessingTime(0)).start();
      q.awaitTermination();
    } else if (workload.equals("w3")) {
      q = w.trigger(Trigger.ProcessingTime(0)).start();
      done.await();
      q.stop();
    } else {
      q = w.trigger(Trigger.AvailableNow()).start();
      q.awaitTermination();
    }
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("spark: %d records in %.2f s%n", seen.get(), s);
    spark.stop();
  }
}
