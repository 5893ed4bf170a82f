"""Data-parallel training of the course's MLP with PyTorch DistributedDataParallel (or FSDP2) over gloo.

Run it with torchrun, which starts one process per worker and gives each its RANK and WORLD_SIZE (``-m``: as a
module of the installed course, like ``python -m``):

    torchrun --nproc-per-node 2 --master-port 29500 -m pairs.distributed.ddp_train --global-batch 64 --out run.npz

On several machines, the same script, unchanged (run this on every host, node-rank 0 and 1):

    torchrun --nnodes 2 --nproc-per-node 2 --node-rank 0 \
             --rdzv-backend c10d --rdzv-endpoint host0.example.org:29500 --rdzv-id job42 \
             -m pairs.distributed.ddp_train --global-batch 64 --steps 5 --out run.npz

Each worker takes its slice of every global batch; DDP averages the gradients across workers during backward
(bucket by bucket, as soon as a bucket's gradients are ready), so every step equals one single-process step on
the whole global batch. Rank 0 writes what the notebook checks: the losses, the gradients of the first step,
what the communication hook saw (buckets, bytes), a gradient-accumulation step under ``no_sync``, and, timed
without any of those Python hooks, samples/s and the time of one all-reduce of every gradient.
``--fsdp`` shards parameters, gradients and optimizer state with FSDP2's ``fully_shard`` instead.
"""

from __future__ import annotations

import os
import time

from pairs.distributed import common


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--bucket-cap-mb", type=float, default=25.0, help="DDP gradient bucket size (MiB)")
    parser.add_argument("--accumulate", type=int, default=2, help="micro-batches in the no_sync demonstration")
    parser.add_argument("--fsdp", action="store_true", help="shard with FSDP2 fully_shard instead of DDP")
    args = parser.parse_args()
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        common.fail(
            common.UsageError(
                "RANK and WORLD_SIZE are not set: start this script with torchrun "
                "(torchrun --nproc-per-node 2 -m pairs.distributed.ddp_train ...)"
            )
        )
    args.rank, args.world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    try:
        args.local_batch = common.check_batch(args.global_batch, args.world_size, args.steps)
        if args.accumulate < 1 or args.local_batch % args.accumulate:
            raise common.UsageError(
                f"--accumulate {args.accumulate} does not divide the per-worker batch {args.local_batch}"
            )
    except common.UsageError as err:
        common.fail(err)  # before importing torch: a bad argument costs a second, not a start-up
    return args


def build_model(torch):
    layers = []
    for i, (w, b) in enumerate(common.initial_weights()):
        linear = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T))  # torch stores (out, in)
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()] if i < len(common.LAYERS) - 2 else [linear]
    return torch.nn.Sequential(*layers)


def main() -> None:
    args = parse_args()
    import numpy as np
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.manual_seed(0)
    torch.set_num_threads(1)  # one core per worker: two workers share the 2-core machine
    dist.init_process_group("gloo")  # env:// rendezvous with torchrun's MASTER_ADDR / MASTER_PORT
    rank, world = dist.get_rank(), dist.get_world_size()
    xs, ys = common.global_batches(args.global_batch, args.steps + max(args.timed_steps, 0))

    def local(step):
        return (
            torch.from_numpy(common.shard(xs[step], rank, world)),
            torch.from_numpy(common.shard(ys[step], rank, world)),
        )

    loss_fn = torch.nn.functional.cross_entropy
    model = build_model(torch)
    record: dict = {"world_size": world, "global_batch": args.global_batch, "mode": "fsdp" if args.fsdp else "ddp"}

    events: list[tuple[str, int]] = []  # (what, size) in the order it happened during backward
    if args.fsdp:
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard

        mesh = init_device_mesh("cpu", (world,))
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                fully_shard(layer, mesh=mesh)
        net = fully_shard(model, mesh=mesh)
        local_numel = sum(p.to_local().numel() for p in net.parameters())
        record["local_parameter_numel"] = local_numel
    else:
        net = DDP(model, bucket_cap_mb=args.bucket_cap_mb)
        from torch.distributed.algorithms.ddp_comm_hooks import default_hooks

        def counting_allreduce(state, bucket):
            """DDP calls this once per bucket, during backward, as soon as the bucket's gradients are ready."""
            events.append(
                (f"all-reduce bucket {bucket.index()}", bucket.buffer().numel() * bucket.buffer().element_size())
            )
            return default_hooks.allreduce_hook(state, bucket)  # the default: average over the workers

        net.register_comm_hook(dist.group.WORLD, counting_allreduce)
        names = {id(p): n for n, p in model.named_parameters()}

        def grad_ready(p):
            events.append((f"grad ready {names[id(p)]}", 0))

        hook_handles = [p.register_post_accumulate_grad_hook(grad_ready) for p in model.parameters()]
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr)

    def grads() -> np.ndarray:
        parts = []
        for p in net.parameters():
            g = p.grad.full_tensor() if args.fsdp else p.grad
            parts.append(g.detach().reshape(-1).numpy().copy())
        return np.concatenate(parts)

    if not args.fsdp and args.accumulate > 1:
        # Gradient accumulation: micro-batches under no_sync() only accumulate locally; the last backward,
        # outside no_sync, all-reduces the accumulated sum once. Same gradient as one big step.
        x, y = local(0)
        events.clear()
        micro = zip(x.chunk(args.accumulate), y.chunk(args.accumulate))
        synced = []
        for i, (xm, ym) in enumerate(micro):
            before = len([e for e in events if e[0].startswith("all-reduce")])
            if i < args.accumulate - 1:
                with net.no_sync():
                    (loss_fn(net(xm), ym) / args.accumulate).backward()
            else:
                (loss_fn(net(xm), ym) / args.accumulate).backward()
            synced.append(len([e for e in events if e[0].startswith("all-reduce")]) - before)
        record["accumulate_allreduces_per_microbatch"] = np.array(synced)
        record["accumulated_grads"] = grads()
        optimizer.zero_grad()

    losses = []
    for step in range(args.steps):
        x, y = local(step)
        events.clear()
        loss = loss_fn(net(x), y)
        loss.backward()
        if step == 0:
            record["grads_step0"] = grads()
            record["events_step0"] = np.array([f"{what}:{size}" for what, size in events])
        if step == 1:
            record["events_step1"] = np.array([f"{what}:{size}" for what, size in events])
        optimizer.step()
        optimizer.zero_grad()
        mean = loss.detach().clone()
        dist.all_reduce(mean)  # the global batch's loss is the mean of the workers' equal-sized losses
        losses.append(mean.item() / world)
    record["losses"] = np.array(losses)
    allreduced = [size for what, size in events if what.startswith("all-reduce")]
    record["buckets_per_step"] = len(allreduced)
    record["hook_bytes_per_step"] = sum(allreduced)

    if args.timed_steps > 0:
        timed = net
        if not args.fsdp:  # time DDP as a user runs it: no Python hook on gradients or buckets (they cost time)
            for handle in hook_handles:
                handle.remove()
            timed = DDP(model, bucket_cap_mb=args.bucket_cap_mb)  # a second wrapper: C++ all-reduce, no comm hook
        dist.barrier()
        clock = common.Clock()
        for step in range(args.steps, args.steps + args.timed_steps):
            x, y = local(step)
            loss_fn(timed(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
            if args.step_sleep:
                time.sleep(args.step_sleep)
            if rank == 0 and args.step_sleep:
                print(f"rank 0: timed step {step - args.steps + 1}/{args.timed_steps}", flush=True)
        dist.barrier()
        seconds = clock.seconds()
        record["samples_per_s"] = args.timed_steps * args.global_batch / seconds
        record["step_ms"] = 1000 * seconds / args.timed_steps
        buffer = torch.zeros(common.parameter_count())  # every gradient, as one all-reduce would carry it
        dist.barrier()
        clock = common.Clock()
        for _ in range(args.timed_steps):
            dist.all_reduce(buffer)
        dist.barrier()
        record["allreduce_ms"] = 1000 * clock.seconds() / args.timed_steps
    # every rank takes part: gathering FSDP's shards (full_tensor) is a collective
    record["final_params"] = np.concatenate(
        [(p.full_tensor() if args.fsdp else p).detach().reshape(-1).numpy() for p in net.parameters()]
    )
    if rank == 0:
        if args.out:
            common.write_record(args.out, **record)
        print(f"rank 0 of {world}: {record['mode']} losses " + " ".join(f"{v:.4f}" for v in losses), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
