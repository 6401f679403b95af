import { mount } from "svelte";
import "../styles/base.css";
import AskerApp from "./AskerApp.svelte";

mount(AskerApp, { target: document.getElementById("app")! });
