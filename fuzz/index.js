import '../dist/fuzz/main.js';
