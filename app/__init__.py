"""Loss Mountain's Streamlit app: widgets in, cached core calls, figures out."""
