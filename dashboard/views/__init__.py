"""The dashboard's pages (a folder named pages/ would turn on Streamlit's old multipage mode)."""
