"""Data-parallel training of the course's MLP with TensorFlow's MultiWorkerMirroredStrategy.

One process per worker. Each learns who it is from the ``TF_CONFIG`` environment variable (the cluster's
worker addresses and this worker's index), the convention that Kubeflow's TFJob and Vertex AI also set:

    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:20001", "127.0.0.1:20002"]},
                "task": {"type": "worker", "index": 0}}' \
        python -m pairs.distributed.tf_train --global-batch 64 --out run.npz   # and index 1 in a second shell

On several machines, the same script, unchanged: put the real host names in the worker list
(``["host0.example.org:20001", "host1.example.org:20001"]``) and start index 0 on host0, index 1 on host1.
``--workers host:port,host:port --index i`` builds the same ``TF_CONFIG`` from arguments.

Every worker takes its slice of every global batch; the strategy sums the replicas' gradients with collective
all-reduce (gRPC between processes) before each update, so a step equals one single-process step on the whole
global batch. The step itself (``tf_step.make_train_step``) is written in 09_distributed_tensorflow's §3.1 and
copied into ``tf_step.py`` by ``tools/export_cells.py``. Worker 0 writes what the notebook checks: losses,
first-step gradients, the step's all-reduce ops, samples/s.
"""

from __future__ import annotations

import json
import os
import socket
import time

from pairs.distributed import common

LOCAL_NAMES = {"127.0.0.1", "localhost", "0.0.0.0", socket.gethostname()}


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--workers", help="host:port,host:port,... (else read TF_CONFIG)")
    parser.add_argument("--index", type=int, help="this worker's index in --workers")
    args = parser.parse_args()
    try:
        if args.workers:
            if args.index is None:
                raise common.UsageError("--workers needs --index (this worker's position in the list)")
            config = {"cluster": {"worker": args.workers.split(",")}, "task": {"type": "worker", "index": args.index}}
            os.environ["TF_CONFIG"] = json.dumps(config)
        elif "TF_CONFIG" in os.environ:
            try:
                config = json.loads(os.environ["TF_CONFIG"])
            except json.JSONDecodeError as err:
                raise common.UsageError(f"TF_CONFIG is not valid JSON ({err})") from None
        else:
            raise common.UsageError("no cluster given: set TF_CONFIG, or pass --workers host:port,... --index i")
        workers = config.get("cluster", {}).get("worker", [])
        task = config.get("task", {})
        if not workers or task.get("type") != "worker" or not 0 <= int(task.get("index", -1)) < len(workers):
            raise common.UsageError(
                f"TF_CONFIG needs cluster.worker (a list of host:port) and task "
                f"{{type: worker, index: 0..{len(workers) - 1}}}, got {json.dumps(config)}"
            )
        args.index, args.world_size = int(task["index"]), len(workers)
        args.local_batch = common.check_batch(args.global_batch, args.world_size, args.steps)
        host, _, port = workers[args.index].rpartition(":")
        if not port.isdigit():
            raise common.UsageError(f"worker address {workers[args.index]!r} is not host:port")
        if host in LOCAL_NAMES:
            common.check_port_free(host, int(port))  # this worker's gRPC server will listen there
    except common.UsageError as err:
        common.fail(err)  # before importing TensorFlow: a bad argument costs a second, not a start-up
    return args


def main() -> None:
    args = parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np
    import tensorflow as tf

    from pairs.distributed.tf_step import make_train_step

    tf.config.threading.set_intra_op_parallelism_threads(1)  # one core per worker on the 2-core machine
    tf.config.threading.set_inter_op_parallelism_threads(1)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG, starts this worker's gRPC server
    world, rank = strategy.num_replicas_in_sync, args.index
    xs, ys = common.global_batches(args.global_batch, args.steps + max(args.timed_steps, 0))

    with strategy.scope():  # variables created here are mirrored: one copy per replica, kept in sync
        model = keras.Sequential(
            [keras.Input((64,))]
            + [
                keras.layers.Dense(o, activation="relu" if i < len(common.LAYERS) - 2 else None)
                for i, o in enumerate(common.LAYERS[1:])
            ]
        )
        model.set_weights([a for pair in common.initial_weights() for a in pair])
        # named, so the step's ops are under "sgd_1/" on every Keras (its default name is "SGD" up to 3.14, an auto
        # name, "sgd", from 3.15 on: keras-team/keras#22972); the notebook finds the gradients' all-reduce by it
        optimizer = keras.optimizers.SGD(args.lr, name="sgd")

    def local(step):
        return (tf.constant(common.shard(xs[step], rank, world)), tf.constant(common.shard(ys[step], rank, world)))

    train_step, replica_grads = make_train_step(strategy, model, optimizer, args.global_batch)

    @tf.function
    def first_grads(x, y):  # only for the record: the summed gradient the first update applies
        loss, grads = strategy.run(replica_grads, args=(x, y))
        return [strategy.reduce("SUM", g, axis=None) for g in grads]

    record: dict = {"world_size": world, "global_batch": args.global_batch, "mode": "multi-worker mirrored"}
    record["grads_step0"] = np.concatenate([g.numpy().reshape(-1) for g in first_grads(*local(0))])
    losses = [float(train_step(*local(step))) for step in range(args.steps)]
    record["losses"] = np.array(losses)
    # the all-reduces are ops of the traced step: list them with the number of elements each one sums
    graph = train_step.get_concrete_function(*local(0)).graph
    collectives = [
        (op.name, int(np.prod(op.inputs[0].shape)))
        for op in graph.get_operations()
        if op.type.startswith("CollectiveReduce")
    ]
    record["collectives"] = np.array([f"{name}:{size}" for name, size in collectives])
    record["allreduce_bytes_per_step"] = 4 * sum(size for _, size in collectives)
    if args.timed_steps > 0:
        train_step(*local(args.steps))  # not timed: the first call of a new shape would trace again
        clock = common.Clock()
        for step in range(args.steps + 1, args.steps + args.timed_steps):
            train_step(*local(step))
            if args.step_sleep:
                time.sleep(args.step_sleep)
                if rank == 0:
                    print(f"worker 0: timed step {step - args.steps}/{args.timed_steps - 1}", flush=True)
        record["samples_per_s"] = (args.timed_steps - 1) * args.global_batch / clock.seconds()
    record["final_params"] = np.concatenate([w.reshape(-1) for w in model.get_weights()])
    if rank == 0:
        if args.out:
            common.write_record(args.out, **record)
        print(f"worker 0 of {world}: losses " + " ".join(f"{v:.4f}" for v in losses), flush=True)


if __name__ == "__main__":
    main()
