# Fixture frozen module: run at start-up, mounts the filesystem.
import gc

gc.threshold((gc.mem_free() + gc.mem_alloc()) // 4)
