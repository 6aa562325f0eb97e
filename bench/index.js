import '../dist/bench/main.js';
