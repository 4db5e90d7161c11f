"""RandomTape: the replaying scope belongs to the thread and asyncio task that opened it,
so other code running meanwhile draws fresh numbers and is not recorded."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

import minigrad as mg


def draw(rng):
    return mg.draw_random(rng, lambda g: g.random(4))


def test_a_task_awaiting_inside_replaying_does_not_capture_another_tasks_draws():
    rng = np.random.default_rng(0)
    tape = mg.RandomTape()
    other_draws = []

    async def checker():
        with tape.replaying():
            for _ in range(3):
                await asyncio.sleep(0)  # the other task runs here

    async def trainer():
        for _ in range(3):
            other_draws.append(draw(rng))
            await asyncio.sleep(0)

    async def main():
        await asyncio.gather(checker(), trainer())

    asyncio.run(main())
    assert len(tape) == 0
    assert not np.array_equal(other_draws[0], other_draws[1])  # fresh draws, not replays


def test_a_task_replays_its_own_draws_while_others_run():
    rng, other_rng = np.random.default_rng(0), np.random.default_rng(1)
    tape = mg.RandomTape()

    async def checker():
        seen = []
        for _ in range(2):
            with tape.replaying():
                seen.append(draw(rng))
                await asyncio.sleep(0)
                seen.append(draw(rng))
        return seen

    async def other():
        for _ in range(4):
            draw(other_rng)
            await asyncio.sleep(0)

    async def main():
        seen, _ = await asyncio.gather(checker(), other())
        return seen

    first, second, replayed_first, replayed_second = asyncio.run(main())
    assert len(tape) == 2
    np.testing.assert_array_equal(first, replayed_first)
    np.testing.assert_array_equal(second, replayed_second)


def test_a_new_thread_starts_without_a_tape():
    rng = np.random.default_rng(0)
    tape = mg.RandomTape()
    drawn = []
    with tape.replaying():
        worker = threading.Thread(target=lambda: drawn.append(draw(rng)))
        worker.start()
        worker.join()
        draw(rng)
    assert len(drawn) == 1 and len(tape) == 1  # only this thread's draw was recorded
