import '../dist/conformance/main.js';
