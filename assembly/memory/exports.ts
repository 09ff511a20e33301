// Memory engine exports (mem_*): see issue "wasm memory core".
