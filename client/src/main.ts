import { mount } from "svelte";
import App from "./App.svelte";
import { registerServiceWorker } from "./lib/serviceWorker.ts";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

registerServiceWorker();

export default mount(App, { target });
